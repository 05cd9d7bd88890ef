/**
 * One synthetic fit in a process of its own, for its peak resident memory (the data, the weights, the
 * optimiser state and the activations, plus Bun itself). bench/index.ts runs it beside scikit-learn's
 * same fit and prints both. Prints one JSON line.
 *
 *   bun bench/fit-rss.ts --rows 100000 --hidden 256,128 --epochs 5 --compute cpu-native
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ComputeSetting, pickBackend } from "../src/compute/pick";
import { trainMlp } from "../src/ml/mlp";
import { synthetic } from "./datasets";

const flag = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? (process.argv[i + 1] as string) : fallback;
};
const rows = Number(flag("--rows", "100000"));
const hidden = flag("--hidden", "256,128").split(",").map(Number);
const epochs = Number(flag("--epochs", "5"));
const compute = flag("--compute", "cpu") as ComputeSetting;

const dir = mkdtempSync(join(tmpdir(), "mlservice-rss-"));
try {
  const data = synthetic(dir, rows, 1000);
  const { backend } = await pickBackend({ compute });
  const t0 = performance.now();
  const opts = { tol: 0, nIterNoChange: epochs + 1, earlyStopping: false, seed: 0 };
  await trainMlp(backend, data.train, { task: "classification", hidden, maxIter: epochs, batchSize: 200, ...opts });
  const trainS = (performance.now() - t0) / 1000;
  backend.dispose();
  // VmHWM, this process image's peak: getrusage's maxRSS survives execve, so it would report the bench's size
  const hwm = /VmHWM:\s+(\d+) kB/.exec(await Bun.file("/proc/self/status").text())?.[1];
  console.log(JSON.stringify({ device: backend.info.device, train_s: trainS, max_rss_mb: Number(hwm) / 1024 }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
