/**
 * POST /train's estimated_time against the time the job really took, in-process on the CPU
 * backend: iris and digits sent inline, and a synthetic dataset stored as a CSV and named by
 * dataset_id (200,000 rows by default). Calibrates CPU_TRAIN_FLOPS in src/ml/plan.ts.
 *
 *   bun bench/train-estimate.ts [synthetic rows]
 */
import { saveUploadedDataset } from "../src/datasets/store";
import { csvRows, startService } from "../test/ml-service/helpers";

const syntheticRows = Number(process.argv[2] ?? 200_000);
const svc = await startService({ ML_MAX_CSV_UPLOAD_BYTES: String(200 * 1024 * 1024) });

/** 8 numeric features, 3 classes from a noisy linear rule: learnable, not trivially. */
function syntheticCsv(n: number): string {
  let seed = 7;
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const lines = ["f0,f1,f2,f3,f4,f5,f6,f7,label"];
  for (let i = 0; i < n; i++) {
    const f = Array.from({ length: 8 }, () => rand() * 2 - 1);
    const s = (f[0] as number) + 0.5 * (f[1] as number) - (f[2] as number) * (f[3] as number) + 0.3 * (rand() - 0.5);
    lines.push(`${f.map((x) => x.toFixed(4)).join(",")},${s < -0.3 ? "a" : s < 0.3 ? "b" : "c"}`);
  }
  return `${lines.join("\n")}\n`;
}

async function measure(name: string, body: Record<string, unknown>) {
  const res = await svc.request("/train", { json: { model_key: name, ...body } });
  if (res.status !== 202) throw new Error(`${name}: ${res.status} ${res.text}`);
  const job = await svc.waitJob(res.body.job_id, 3_600_000);
  if (job.status !== "completed") throw new Error(`${name}: ${job.status} ${job.error}`);
  const took = (Date.parse(job.finished_at) - Date.parse(job.started_at)) / 1000;
  const estimate = res.body.estimated_time as number;
  return {
    set: name,
    rows: job.result.train_rows + job.result.validation_rows,
    hidden: job.result.metrics.hidden_layer_sizes.join(","),
    epochs: job.result.metrics.epochs,
    estimated_s: estimate,
    job_s: Math.round(took * 10) / 10,
    fit_s: Math.round(job.result.training_time_s * 10) / 10,
    ratio: Math.round((estimate / took) * 100) / 100,
  };
}

const results = [];
results.push(await measure("iris", { target_field: "species", items: csvRows("iris_train.csv") }));
results.push(await measure("digits", { target_field: "label", items: csvRows("digits_train.csv") }));
if (syntheticRows > 0) {
  const ds = await saveUploadedDataset(
    { db: svc.db, config: svc.config, now: () => new Date() },
    { name: "synthetic", source: syntheticCsv(syntheticRows), createdBy: null },
  );
  results.push(await measure("synthetic", { target_field: "label", dataset_id: ds.id }));
}
console.table(results);
await svc.close();
