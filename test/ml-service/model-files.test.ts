/**
 * Artifact download and import: a version's `.mlsa` bytes leave one service with their sha256
 * and enter another (or the same one under another key) as a new, serving version that predicts
 * exactly as the original; a wrong checksum, an unknown kind, a schema the service cannot encode,
 * a file that is not an artifact, an oversize file or a non-admin is refused with the status and
 * reason it deserves, and nothing is registered.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ADMIN_TOKEN, csvRows, startService } from "./helpers";
import { signedInUser } from "./people";

type Service = Awaited<ReturnType<typeof startService>>;
let source: Service;
let target: Service;
let artifact: Uint8Array;
let sha256: string;

const iris = csvRows("iris_train.csv");
const probe = csvRows("iris_test.csv").map(({ species: _, ...f }) => f);
const admin = { "x-admin-token": ADMIN_TOKEN };
const hex = (b: Uint8Array) => new Bun.CryptoHasher("sha256").update(b).digest("hex");

beforeAll(async () => {
  source = await startService();
  target = await startService();
  const res = await source.request("/train", {
    json: {
      model_key: "iris",
      target_field: "species",
      items: iris,
      hyperparameters: { hidden_layer_sizes: [16], max_iter: 200, learning_rate_init: 0.01, random_state: 2 },
    },
  });
  expect((await source.waitJob(res.body.job_id, 60_000)).status).toBe("completed");
});
afterAll(async () => {
  await source.close();
  await target.close();
});

/** POST /models/import as a multipart form (fields as given) on `svc`. */
function importForm(
  svc: Service,
  bytes: Uint8Array,
  fields: Record<string, string>,
  headers: Record<string, string> = admin,
) {
  const form = new FormData();
  form.append("file", new Blob([bytes as Uint8Array<ArrayBuffer>]), "model.mlsa");
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return send(svc, "/models/import", { method: "POST", body: form, headers });
}

async function send(svc: Service, path: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
  const res = await svc.app.request(path, { ...init, headers: { ...admin, ...init.headers } });
  const bytes = new Uint8Array(await res.arrayBuffer());
  let body: unknown = null;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch {}
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely
  return { status: res.status, headers: res.headers, bytes, body: body as any };
}

const predictions = async (svc: Service, key: string) =>
  (await svc.request("/predict", { json: { model_key: key, data: probe } })).body.predictions;

/** The artifact with its JSON header changed by `edit` (tensors kept), as a new valid file. */
function withHeader(bytes: Uint8Array, edit: (h: Record<string, unknown>) => void): Uint8Array {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  edit(header);
  const text = JSON.stringify(header);
  // the tensors start on a 4-byte boundary: pad the JSON with spaces as the service does
  const json = new TextEncoder().encode(text + " ".repeat((4 - ((8 + Buffer.byteLength(text)) % 4)) % 4));
  const out = new Uint8Array(8 + json.length + bytes.length - 8 - length);
  out.set(bytes.subarray(0, 4));
  new DataView(out.buffer).setUint32(4, json.length, true);
  out.set(json, 8);
  out.set(bytes.subarray(8 + length), 8 + json.length);
  return out;
}

describe("GET /models/{key}/versions/{v}/artifact", () => {
  test("sends the stored bytes with their sha256 and a file name", async () => {
    const res = await send(source, "/models/iris/versions/1.0.0/artifact");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="iris-1.0.0.mlsa"');
    artifact = res.bytes;
    sha256 = res.headers.get("x-artifact-sha256") as string;
    expect(sha256).toBe(hex(artifact));
    expect(res.headers.get("repr-digest")).toBe(`sha-256=:${Buffer.from(sha256, "hex").toString("base64")}:`);
    expect(artifact).toEqual(new Uint8Array(readFileSync(join(source.config.ML_ARTIFACTS_ROOT, "iris", "1.0.0.mlsa"))));
    expect(new TextDecoder().decode(artifact.subarray(0, 4))).toBe("MLSA");
  });

  test("404 for an unknown version or model, 401 without credentials", async () => {
    expect((await send(source, "/models/iris/versions/9.9.9/artifact")).status).toBe(404);
    expect((await send(source, "/models/nope/versions/1.0.0/onnx")).status).toBe(404);
    const anon = await source.app.request("/models/iris/versions/1.0.0/artifact");
    expect(anon.status).toBe(401);
  });

  test("any signed-in user may download, as they may predict", async () => {
    const user = await signedInUser(source, "reader");
    const res = await send(source, "/models/iris/versions/1.0.0/onnx", {
      headers: { authorization: `Bearer ${user.token}`, "x-admin-token": "" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="iris-1.0.0.onnx"');
  });
});

describe("POST /models/import", () => {
  test("registers the artifact in another service as a serving version with identical predictions", async () => {
    const res = await importForm(target, artifact, { model_key: "iris-copy", sha256 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      model_key: "iris-copy",
      version: "1.0.0",
      active_version: "1.0.0",
      previous_version: null,
      reason: "imported",
      model_type: "mlp",
      imported_from: { model_key: "iris", version: "1.0.0" },
    });
    expect(await predictions(target, "iris-copy")).toEqual(await predictions(source, "iris"));
    const model = (await target.request("/models/iris-copy")).body;
    expect(model.active_version).toBe("1.0.0");
    expect(model.target_field).toBe("species");
  });

  test("a raw body into an existing model makes the next version serve; the round trip keeps the bytes' meaning", async () => {
    const res = await send(source, `/models/import?model_key=iris&sha256=${sha256}`, {
      method: "POST",
      body: artifact as Uint8Array<ArrayBuffer>,
      headers: { "content-type": "application/octet-stream" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ version: "1.1.0", previous_version: "1.0.0", active_version: "1.1.0" });
    const again = await send(source, "/models/iris/versions/1.1.0/artifact");
    expect(again.status).toBe(200);
    // the copy carries its new key and version in its header, the network and spec unchanged
    const back = await importForm(target, again.bytes, {
      model_key: "iris-copy",
      version: "3.0.0",
      sha256: again.headers.get("x-artifact-sha256") as string,
    });
    expect(back.status).toBe(201);
    expect(back.body.imported_from).toEqual({ model_key: "iris", version: "1.1.0" });
    expect(await predictions(target, "iris-copy")).toEqual(await predictions(source, "iris"));
  });

  test("the sha256 may come in X-Artifact-Sha256, as the download sends it", async () => {
    const res = await send(target, "/models/import?model_key=iris-header", {
      method: "POST",
      body: artifact as Uint8Array<ArrayBuffer>,
      headers: { "content-type": "application/octet-stream", "x-artifact-sha256": sha256.toUpperCase() },
    });
    expect(res.status).toBe(201);
  });

  test("a different feature set into a serving model: 409 schema_change unless allow_schema_change", async () => {
    const renamed = withHeader(artifact, (h) => {
      const features = (h.spec as { features: { name: string }[] }).features;
      (features[0] as { name: string }).name = "sepal_len";
    });
    const fields = { model_key: "iris-copy", sha256: hex(renamed) };
    const refused = await importForm(target, renamed, fields);
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.reason).toBe("schema_change");
    const before = (await target.request("/models/iris-copy")).body.active_version;
    const allowed = await importForm(target, renamed, { ...fields, allow_schema_change: "true" });
    expect(allowed.status).toBe(201);
    expect(allowed.body.previous_version).toBe(before);
    const features = (await target.request("/models/iris-copy/features")).body.features;
    expect(features[0].name).toBe("sepal_len");
    // back to the original schema for the tests below
    const back = await importForm(target, artifact, { model_key: "iris-copy", sha256, allow_schema_change: "true" });
    expect(back.status).toBe(201);
  });

  describe("refuses, registering nothing", () => {
    const nothingRegistered = async (svc: Service, key: string) => {
      expect((await svc.request(`/models/${key}`)).status).toBe(404);
      expect(existsSync(join(svc.config.ML_ARTIFACTS_ROOT, key))).toBe(false);
    };

    test("a wrong checksum (a changed byte): 422 checksum_mismatch", async () => {
      const changed = artifact.slice();
      changed[changed.length - 1] = (changed[changed.length - 1] as number) ^ 1;
      const res = await importForm(target, changed, { model_key: "bad-sum", sha256 });
      expect(res.status).toBe(422);
      expect(res.body.error.details.reason).toBe("checksum_mismatch");
      expect(res.body.error.message).toContain("sha256");
      await nothingRegistered(target, "bad-sum");
    });

    test("no checksum: 422 checksum_missing", async () => {
      const res = await importForm(target, artifact, { model_key: "no-sum" });
      expect(res.status).toBe(422);
      expect(res.body.error.details.reason).toBe("checksum_missing");
      await nothingRegistered(target, "no-sum");
    });

    test("an unknown model kind: 422 unknown_model_kind", async () => {
      const bytes = withHeader(artifact, (h) => {
        h.model_type = "gradient_boosting";
      });
      const res = await importForm(target, bytes, { model_key: "bad-kind", sha256: hex(bytes) });
      expect(res.status).toBe(422);
      expect(res.body.error.details.reason).toBe("unknown_model_kind");
      expect(res.body.error.message).toContain("gradient_boosting");
      await nothingRegistered(target, "bad-kind");
    });

    test("a feature spec the service cannot encode: 422 unencodable_schema naming the field", async () => {
      const cases: [string, (h: Record<string, unknown>) => void, string][] = [
        [
          "feature kind",
          (h) => {
            (h.spec as { features: { kind: string }[] }).features[0] = { kind: "image" } as never;
          },
          "spec.features.0",
        ],
        [
          "zero spread",
          (h) => {
            ((h.spec as { features: { std: number }[] }).features[1] as { std: number }).std = 0;
          },
          "spec.features.1.std",
        ],
        [
          "width",
          (h) => {
            (h.spec as { features: unknown[] }).features.pop();
          },
          "spec.width",
        ],
      ];
      for (const [what, edit, path] of cases) {
        const bytes = withHeader(artifact, edit);
        const res = await importForm(target, bytes, { model_key: "bad-spec", sha256: hex(bytes) });
        expect({ what, status: res.status, reason: res.body.error.details.reason }).toEqual({
          what,
          status: 422,
          reason: "unencodable_schema",
        });
        expect(res.body.error.details.problems.map((p: { path: string }) => p.path).join(" ")).toContain(path);
      }
      await nothingRegistered(target, "bad-spec");
    });

    test("a drift baseline the checks could not read: 422 invalid_baseline", async () => {
      const bytes = withHeader(artifact, (h) => {
        const features = (h.baseline as { features: Record<string, { edges: unknown }> }).features;
        (features.petal_length as { edges: unknown }).edges = "none";
      });
      const res = await importForm(target, bytes, { model_key: "bad-baseline", sha256: hex(bytes) });
      expect(res.status).toBe(422);
      expect(res.body.error.details.reason).toBe("invalid_baseline");
      expect(res.body.error.message).toContain("baseline.features.petal_length");
      await nothingRegistered(target, "bad-baseline");
    });

    test("bytes that are not an artifact: 422 invalid_artifact", async () => {
      const junk = new TextEncoder().encode("model_key,version\niris,1.0.0\n");
      const res = await importForm(target, junk, { model_key: "junk", sha256: hex(junk) });
      expect(res.status).toBe(422);
      expect(res.body.error.details.reason).toBe("invalid_artifact");
      const cut = artifact.subarray(0, artifact.length - 6);
      const short = await importForm(target, cut, { model_key: "junk", sha256: hex(cut) });
      expect(short.status).toBe(422);
      expect(short.body.error.details.reason).toBe("invalid_artifact");
      await nothingRegistered(target, "junk");
    });

    test("a user who is not an admin: 403", async () => {
      const user = await signedInUser(target, "importer");
      const res = await importForm(
        target,
        artifact,
        { model_key: "by-user", sha256 },
        { authorization: `Bearer ${user.token}`, "x-admin-token": "" },
      );
      expect(res.status).toBe(403);
      await nothingRegistered(target, "by-user");
    });

    test("a version that exists: 409, the serving version stays", async () => {
      const serving = (await target.request("/models/iris-copy")).body.active_version;
      const res = await importForm(target, artifact, { model_key: "iris-copy", version: "1.0.0", sha256 });
      expect(res.status).toBe(409);
      expect((await target.request("/models/iris-copy")).body.active_version).toBe(serving);
    });
  });
});

describe("POST /models/import over ML_MAX_IMPORT_BYTES", () => {
  let small: Service;
  beforeAll(async () => {
    small = await startService({ ML_MAX_IMPORT_BYTES: "1024" });
  });
  afterAll(() => small.close());

  test("an artifact over the limit: 413 naming the setting, nothing registered", async () => {
    expect(artifact.length).toBeGreaterThan(1024);
    const res = await importForm(small, artifact, { model_key: "big", sha256 });
    expect(res.status).toBe(413);
    expect(res.body.error.message).toContain("ML_MAX_IMPORT_BYTES");
    expect((await small.request("/models/big")).status).toBe(404);
  });

  test("a body far over the limit is refused on its declared length", async () => {
    const huge = new Uint8Array(200 * 1024);
    const res = await send(small, `/models/import?model_key=big&sha256=${hex(huge)}`, {
      method: "POST",
      body: huge,
      headers: { "content-type": "application/octet-stream", "content-length": String(huge.length) },
    });
    expect(res.status).toBe(413);
    expect((await small.request("/models/big")).status).toBe(404);
  });
});

describe("a stored artifact changed on disk", () => {
  test("is not sent: 503 naming the failed check", async () => {
    const file = join(target.config.ML_ARTIFACTS_ROOT, "iris-header", "1.0.0.mlsa");
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
    writeFileSync(file, bytes);
    const res = await send(target, "/models/iris-header/versions/1.0.0/artifact");
    expect(res.status).toBe(503);
    expect(res.body.error.message).toContain("sha256");
  });
});
