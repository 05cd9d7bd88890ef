/**
 * Where a single-row `POST /predict` spends its time, stage by stage, in-process (no socket):
 *   bun bench/serve-breakdown.ts [ROOT ...]
 * Each ROOT is a checkout (default: this one; e.g. an unpacked `git archive` of an older commit,
 * with node_modules and build/, in a folder beside a `shared` link to the data), measured in turn
 * in this one run. Stages: the whole request
 * through app.fetch (one row; and 1,000 rows, per row), the middleware alone (GET /livez), the token check (identifyApiToken), body
 * validation, predictRows on 1,000 rows (per row), feature encoding, the forward pass, and the prediction log (add, with its flush
 * amortised); where the checkout has a serving plan (src/registry/serving-plan.ts), also the
 * compiled encoder, the native pass and predictOne. The token check also refusing an unknown
 * token, and, where the checkout has an identity cache, with nothing cached (PostgreSQL without
 * its relay). Mean µs over N calls after a warm-up.
 */
import { join } from "node:path";

const N = 3000;
const roots = process.argv.slice(2);
if (roots.length === 0) roots.push(join(import.meta.dir, ".."));

async function mean(fn: () => unknown, n = N): Promise<number> {
  for (let i = 0; i < Math.ceil(n / 10); i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return ((performance.now() - t0) / n) * 1000;
}

async function measure(root: string): Promise<Record<string, number>> {
  const helpers = await import(join(root, "test", "ml-service", "helpers.ts"));
  const { predictRows } = await import(join(root, "src", "registry", "serving.ts"));
  const { encodeRows } = await import(join(root, "src", "ml", "features.ts"));
  const { predictHost } = await import(join(root, "src", "ml", "predict.ts"));
  const { PredictBody } = await import(join(root, "src", "http", "api", "predict.ts"));
  const { identifyApiToken } = await import(join(root, "src", "auth", "credentials.ts"));
  const { createAuthContext } = await import(join(root, "src", "auth", "context.ts"));
  const { sqliteStores } = await import(join(root, "src", "db", "sqlite", "stores.ts"));
  const { newSecret } = await import(join(root, "src", "auth", "secrets.ts"));
  const epochs = await import(join(root, "src", "db", "credential-epoch.ts")).catch(() => null);
  const v = await import("valibot");
  // absent from checkouts older than the serving plan: those stages are left blank there
  const plan = await import(join(root, "src", "registry", "serving-plan.ts")).catch(() => null);
  const serving = await import(join(root, "src", "registry", "serving.ts"));
  // the default log level, as operators run it; its lines are dropped here
  const svc = await helpers.startService({ ML_LOG_LEVEL: "info" });
  try {
    const train = helpers.csvRows("digits_train.csv") as Record<string, number>[];
    const res = await svc.request("/train", {
      json: { model_key: "d", target_field: "label", items: train, hyperparameters: { hidden_layer_sizes: [128, 64] } },
    });
    const job = await svc.waitJob(res.body.job_id, 300_000);
    if (job.status !== "completed") throw new Error(`train: ${job.error}`);
    const token = (await svc.request("/auth/tokens", { json: { name: "bench" } })).body.token as string;
    const { label: _, ...features } = train[0] as Record<string, number>;
    const body = JSON.stringify({ model_key: "d", data: [features] });
    const rows1000 = train.slice(0, 1000).map(({ label: _l, ...f }) => f);
    const body1000 = JSON.stringify({ model_key: "d", data: rows1000 });
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const loaded = await svc.runtime.models.active("d");
    const x = encodeRows(loaded.artifact.spec, [features]);
    // the served path: prepared lookups, as createAppDeps wires them
    const log = { error() {}, warn() {}, info() {} };
    let added = 0;
    const stores = sqliteStores(svc.sqlite);
    const auth = createAuthContext({ db: svc.db, stores, config: svc.config, log }, {});
    const unknown = newSecret("mls_");
    // no epoch: every check reads the rows, as before the cache
    const uncached =
      epochs &&
      createAuthContext(
        { db: svc.db, stores: { ...stores, credentialEpoch: new epochs.NoEpoch() }, config: svc.config, log },
        {},
      );
    return {
      // with the Content-Length an HTTP client sends (a Request made here has none): the fast path, where a checkout has one
      "whole POST /predict": await mean(() =>
        svc.app.request("/predict", {
          method: "POST",
          headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
          body,
        }),
      ),
      "whole POST /predict through the middleware chain": await mean(() =>
        svc.app.request("/predict?format=json", { method: "POST", headers, body }),
      ),
      "whole POST /predict, 1,000 rows (µs per row)":
        (await mean(async () => {
          const res = await svc.app.request("/predict", {
            method: "POST",
            headers: { ...headers, "content-length": String(Buffer.byteLength(body1000)) },
            body: body1000,
          });
          await res.arrayBuffer();
        }, 60)) / 1000,
      "middleware only (GET /livez)": await mean(() => svc.app.request("/livez")),
      "token check": await mean(() => identifyApiToken(auth, token, "127.0.0.1")),
      "token check, nothing cached": uncached
        ? await mean(() => identifyApiToken(uncached, token, "127.0.0.1"))
        : Number.NaN,
      "token check, unknown token (refused)": await mean(() =>
        identifyApiToken(auth, unknown, "127.0.0.1").catch(() => undefined),
      ),
      "JSON.parse + PredictBody": await mean(() => v.parse(PredictBody, JSON.parse(body))),
      "encode row": await mean(() => encodeRows(loaded.artifact.spec, [features])),
      "forward pass": await mean(() => predictHost(loaded.artifact.model, x)),
      ...(plan ? await planStages(plan, serving, loaded, features) : {}),
      "predictRows (encode+forward+scores)": await mean(() =>
        predictRows(svc.runtime.servingBackend, loaded, [features]),
      ),
      // the model's own work on a 1,000-row batch, the part predict_proba's figure compares with
      "predictRows, 1,000 rows (µs per row)":
        (await mean(() => predictRows(svc.runtime.servingBackend, loaded, rows1000), 60)) / 1000,
      // the rows of the stages above written first; then the flush every 1,000 adds, as the log's batch size does, so its share is in the mean
      "prediction log add (+flush)": await mean(() => {
        if (added++ === 0) svc.runtime.predictionLog.flush();
        if (added % 1000 === 0) svc.runtime.predictionLog.flush();
        return svc.runtime.predictionLog.add({
          model_key: "d",
          version: loaded.version,
          input: features,
          prediction: "0",
          confidence: 1,
          latency_ms: 0.1,
        });
      }),
    };
  } finally {
    await svc.close();
  }
}

/** The serving plan's stages: encoding into its buffer, the pass it runs, and predictOne. */
// biome-ignore lint/suspicious/noExplicitAny: modules of another checkout, typed as that checkout has them
async function planStages(plan: any, serving: any, loaded: any, row: Record<string, number>) {
  const p = plan.servingPlan(loaded.artifact);
  const one = [row];
  const stages: Record<string, number> = {
    "encode (compiled)": await mean(() => p.encoder.encode(one, p.input)),
  };
  if (p.native) {
    p.encoder.encode(one, p.input);
    stages["forward (native)"] = await mean(() => p.native.run(1));
  }
  stages["predictOne (encode+forward, no all_scores)"] = await mean(() => serving.predictOne(loaded, row));
  return stages;
}

const table: Record<string, Record<string, string>> = {};
for (const root of roots) {
  const m = await measure(root);
  for (const [stage, us] of Object.entries(m)) {
    table[stage] ??= {};
    (table[stage] as Record<string, string>)[root] = us.toFixed(1);
  }
}
console.log("mean µs per call");
console.table(table);
