import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { requireRole } from "../../src/http/middleware/route-access";
import { apiRoutes, openApiPath } from "../../src/http/openapi";
import { jsonBody } from "../../src/http/validate";
import { startService } from "../ml-service/helpers";

let svc: Awaited<ReturnType<typeof startService>>;
beforeAll(async () => {
  svc = await startService();
});
afterAll(() => svc.close());

// biome-ignore lint/suspicious/noExplicitAny: the spec is read loosely
const spec = async (): Promise<any> => {
  const res = await svc.app.request("/openapi.json");
  expect(res.status).toBe(200);
  return res.json();
};

const PROBE_503 = ["get /health 503", "get /readyz 503"];

describe("GET /openapi.json", () => {
  test("is public and OpenAPI 3.1 with the three ways to sign in", async () => {
    const doc = await spec();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["adminToken", "bearerAuth", "cookieAuth"]);
    expect(doc.components.securitySchemes.adminToken).toMatchObject({ in: "header", name: "X-Admin-Token" });
  });

  test("lists every mounted route with its access, in {param} style", async () => {
    const doc = await spec();
    const rows = apiRoutes(svc.app);
    expect(rows.length).toBeGreaterThan(30);
    expect(Object.keys(doc.paths).filter((p) => p === "/ui" || p.startsWith("/ui/"))).toEqual([]);
    for (const row of rows) {
      const op = doc.paths[openApiPath(row.path)]?.[row.method.toLowerCase()];
      expect(op ? `${row.method} ${row.path}` : `missing ${row.method} ${row.path}`).toBe(`${row.method} ${row.path}`);
      expect(op["x-access"]).toBe(row.access);
    }
    expect(Object.keys(doc.paths).some((p) => p.includes(":"))).toBe(false);
    expect(doc.paths["/jobs/{id}"].get.parameters).toContainEqual({
      name: "id",
      in: "path",
      required: true,
      schema: { type: "string" },
    });
    expect(doc.paths["/health"].get.security).toEqual([]);
    expect(doc.paths["/livez"].get.security).toEqual([]);
    expect(doc.paths["/readyz"].get.security).toEqual([]);
    expect(doc.paths["/train"].post.security.length).toBe(3);
  });

  test("POST /train and POST /predict carry the schemas their validators check", async () => {
    const doc = await spec();
    const train = doc.paths["/train"].post.requestBody.content["application/json"].schema;
    expect(train.type).toBe("object");
    expect(train.required).toEqual(expect.arrayContaining(["model_key", "target_field"]));
    expect(train.properties.model_key.pattern).toBeString();
    expect(train.properties.task_type.enum).toEqual(["classification", "regression"]);
    const predict = doc.paths["/predict"].post.requestBody.content["application/json"].schema;
    // exactly one of data (rows) or dataset_id (batch scoring) is given
    expect(predict.required).toEqual(["model_key"]);
    expect(predict.properties.data.anyOf).toHaveLength(2);
    expect(predict.properties.dataset_id.type).toBe("string");
    const format = doc.paths["/predict"].post.parameters.find((p: { name: string }) => p.name === "format");
    expect(format).toMatchObject({ in: "query", required: false, schema: { enum: ["json", "csv"] } });
    expect(doc.paths["/jobs"].get.parameters.map((p: { name: string }) => p.name)).toContain("status");
    expect(doc.paths["/jobs/{id}"].get.requestBody).toBeUndefined();
  });

  test("every operation has typed answers: a schema for each success and the error contract for each error", async () => {
    const doc = await spec();
    const untyped: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      // biome-ignore lint/suspicious/noExplicitAny: the spec is read loosely
      for (const [method, op] of Object.entries(methods as Record<string, any>)) {
        const answers = Object.entries(op.responses) as [string, { content?: Record<string, { schema?: unknown }> }][];
        expect(answers.some(([status]) => /^(2..|101)$/.test(status))).toBe(true);
        for (const [status, answer] of answers) {
          const schemas = Object.values(answer.content ?? {}).map((m) => m.schema);
          const bodiless = status === "101"; // the WebSocket upgrade
          if (!bodiless && (schemas.length === 0 || schemas.some((s) => !s)))
            untyped.push(`${method} ${path} ${status}`);
          // the probes answer 503 with their own report, not the error contract
          if (/^[45]/.test(status) && !PROBE_503.includes(`${method} ${path} ${status}`))
            expect(answer.content?.["application/json"]?.schema).toEqual({ $ref: "#/components/schemas/Error" });
        }
        for (const p of op.parameters) expect(p.schema.type ?? p.schema.enum ?? p.schema.anyOf).toBeDefined();
      }
    }
    expect(untyped).toEqual([]);
  });

  test("every route declares its answers: add responds({ 200: Schema }) beside a new route (src/http/route-doc.ts)", async () => {
    const doc = await spec();
    const undeclared: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      // biome-ignore lint/suspicious/noExplicitAny: the spec is read loosely
      for (const [method, op] of Object.entries(methods as Record<string, any>)) {
        const answers = Object.values(op.responses) as { description: string }[];
        if (answers.some((a) => a.description === "success (shape not declared)")) undeclared.push(`${method} ${path}`);
      }
    }
    expect(undeclared).toEqual([]);
  });

  test("the seed routes' success answers are typed down to their fields", async () => {
    const doc = await spec();
    const json = (path: string, method: string, status: string) =>
      doc.paths[path][method].responses[status].content["application/json"].schema;
    const predict = json("/predict", "post", "200");
    expect(predict.required).toEqual(expect.arrayContaining(["model_key", "version", "predictions"]));
    expect(predict.properties.predictions.items.properties.confidence.anyOf).toContainEqual({ type: "number" });
    expect(doc.paths["/predict"].post.responses["200"].content["text/csv"]).toBeDefined();
    expect(json("/predict", "post", "202").properties.job_id).toEqual({ type: "string" });
    expect(json("/train", "post", "202").required).toEqual(expect.arrayContaining(["job_id", "status", "version"]));
    expect(json("/models", "get", "200").properties.models.items.properties.model_key).toEqual({ type: "string" });
    expect(json("/models", "get", "200").properties.models.items.properties.versions.items).toEqual({ type: "string" });
    expect(json("/models/{key}/versions", "get", "200").properties.items.items.required).toContain("metrics");
    expect(json("/jobs/{id}", "get", "200").properties.status.enum).toContain("completed");
    expect(json("/datasets/upload", "post", "201").properties.row_count).toEqual({ type: "number" });
    expect(json("/health/alerts", "get", "200").properties.alerts.items.required).toEqual(
      expect.arrayContaining(["alert_id", "dismissible"]),
    );
    expect(json("/auth/login", "post", "200").properties.access_token).toEqual({ type: "string" });
  });

  test("paging parameters are integers with their bounds and defaults", async () => {
    const doc = await spec();
    for (const path of ["/models", "/jobs", "/datasets", "/health/alerts", "/drift/daily-reports", "/retrainings"]) {
      const params = Object.fromEntries(
        doc.paths[path].get.parameters.map((p: { name: string; schema: unknown }) => [p.name, p.schema]),
      );
      expect({ path, limit: params.limit.type, offset: params.offset.type }).toEqual({
        path,
        limit: "integer",
        offset: "integer",
      });
      expect(params.limit.minimum).toBe(1);
      expect(params.limit.maximum).toBe(500);
      expect(typeof params.limit.default).toBe("number");
      expect(params.offset).toMatchObject({ minimum: 0, default: 0 });
    }
    expect(doc.paths["/health/alerts/{id}/dismiss"].post.parameters[0].schema).toMatchObject({ type: "integer" });
  });

  test("the upload body, the 409/413/429/503 answers, servers and licence are described", async () => {
    const doc = await spec();
    const upload = doc.paths["/datasets/upload"].post;
    expect(upload.requestBody.content["multipart/form-data"].schema).toMatchObject({
      required: ["file"],
      properties: { file: { type: "string", format: "binary" } },
    });
    for (const media of ["text/csv", "application/x-ndjson", "application/vnd.apache.parquet"])
      expect(upload.requestBody.content[media]).toBeDefined();
    expect(Object.keys(upload.responses)).toEqual(expect.arrayContaining(["201", "413", "422"]));
    expect(Object.keys(doc.paths["/train"].post.responses)).toEqual(expect.arrayContaining(["409", "413"]));
    expect(Object.keys(doc.paths["/predict"].post.responses)).toContain("503");
    // batch scoring of a data file sent as the body, beside the JSON body
    expect(Object.keys(doc.paths["/predict"].post.requestBody.content)).toEqual(
      expect.arrayContaining([
        "application/json",
        "text/csv",
        "application/x-ndjson",
        "application/vnd.apache.parquet",
      ]),
    );
    expect(doc.paths["/predict"].post.parameters.map((p: { name: string }) => p.name)).toContain("model_key");
    expect(Object.keys(doc.paths["/auth/login"].post.responses)).toContain("429");
    expect(doc.paths["/auth/login"].post.requestBody.content["application/json"].schema.required).toEqual(
      expect.arrayContaining(["username", "password"]),
    );
    expect(Object.keys(doc.paths["/readyz"].get.responses)).toEqual(["200", "503"]);
    expect(doc.info.license.name).toBe("UNLICENSED");
    const res = await svc.app.request("http://ml.example:8085/openapi.json");
    expect((await res.json()).servers).toEqual([{ url: "http://ml.example:8085", description: "this service" }]);
  });

  test("a route added to the app shows up with its body schema", async () => {
    // a fresh app: Hono refuses new routes once it has answered a request
    const fresh = await startService();
    fresh.app.post("/zz-probe/:thing", requireRole("admin"), jsonBody(v.object({ n: v.number() })), (c) => c.json({}));
    const doc = await (await fresh.app.request("/openapi.json")).json();
    await fresh.close();
    const op = doc.paths["/zz-probe/{thing}"].post;
    expect(op["x-access"]).toBe("admin");
    expect(op.requestBody.content["application/json"].schema).toMatchObject({
      type: "object",
      properties: { n: { type: "number" } },
      required: ["n"],
    });
  });
});

describe("GET /docs", () => {
  test("is public HTML with every path and method, and no external assets", async () => {
    const res = await svc.app.request("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const page = await res.text();
    for (const row of apiRoutes(svc.app)) {
      expect(page).toContain(`>${row.method}</span> ${openApiPath(row.path)}`);
    }
    expect(page).toContain("model_key");
    expect(page).not.toMatch(/<script|<style|src="http|href="http|href="\/\//);
    // its one stylesheet is the service's own (the Content-Security-Policy forbids inline style)
    expect([...page.matchAll(/<link [^>]*>/g)].map((m) => m[0])).toEqual([
      expect.stringMatching(/^<link rel="stylesheet" href="\/ui\/static\/docs\.[0-9a-f]+\.css">$/),
    ]);
  });
});

describe("README", () => {
  test("documents every route as `METHOD /path`, each with a curl example", () => {
    const readme = readFileSync(join(import.meta.dir, "..", "..", "README.md"), "utf8");
    const entry = (route: string) => {
      const at = readme.indexOf(`- \`${route}\` `);
      return at < 0 ? "" : readme.slice(at, readme.indexOf("\n- ", at + 1));
    };
    // the dashboard's pages (/ui, and / that leads there) are HTML for people, not API routes
    const missing = apiRoutes(svc.app)
      .map((r) => `${r.method} ${openApiPath(r.path)}`)
      .filter((route) => !entry(route).includes("`curl "));
    expect(missing).toEqual([]);
  });
});
