/**
 * Synthetic traffic for the monitoring tests: three numeric features drawn from normal
 * distributions, two classes split by x0 + x1 > 0, seeded so that every run sees the same rows.
 */
import { Random } from "../../src/ml/random";
import type { startService } from "../ml-service/helpers";

export type Service = Awaited<ReturnType<typeof startService>>;

export function normalRows(n: number, seed: number, shift = 0): Record<string, number | string>[] {
  const rng = new Random(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng.nextFloat())) * Math.cos(2 * Math.PI * rng.nextFloat());
  return Array.from({ length: n }, () => {
    const x0 = normal() + shift;
    const x1 = normal();
    const x2 = 2 * normal() + 5;
    return { x0, x1, x2, label: x0 + x1 > shift ? "a" : "b" };
  });
}

export const features = (rows: Record<string, number | string>[]) => rows.map(({ label: _, ...f }) => f);

/** Trains `key` on `rows` through POST /train and waits for the job. */
export async function trainModel(svc: Service, key: string, rows: Record<string, unknown>[], target = "label") {
  const res = await svc.request("/train", {
    json: {
      model_key: key,
      target_field: target,
      items: rows,
      hyperparameters: { hidden_layer_sizes: [16], max_iter: 40, random_state: 7 },
    },
  });
  if (res.status !== 202) throw new Error(`train: ${res.status} ${res.text}`);
  const job = await svc.waitJob(res.body.job_id);
  if (job.status !== "completed") throw new Error(`train job ${job.status}: ${job.error}`);
  return job;
}

/** Predicts rows in requests of up to 1,000 (the sync limit); returns the prediction ids. */
export async function sendTraffic(svc: Service, key: string, rows: Record<string, unknown>[]): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < rows.length; i += 1000) {
    const res = await svc.request("/predict", { json: { model_key: key, data: rows.slice(i, i + 1000) } });
    if (res.status !== 200) throw new Error(`predict: ${res.status} ${res.text}`);
    ids.push(...res.body.predictions.map((p: { prediction_id: number }) => p.prediction_id));
  }
  await svc.runtime.predictionLog.flush();
  return ids;
}
