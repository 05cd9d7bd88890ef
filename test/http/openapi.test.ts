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
