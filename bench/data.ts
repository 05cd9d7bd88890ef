/**
 * Real data at real size, side by side with pandas / scikit-learn in one run (Debian's
 * python3-pandas and python3-sklearn). Generates a 200,000 × 32 numeric CSV (plus a label) in a
 * temp dir and measures:
 *   read     the one reader (src/datasets/reader) into columns, the file read as `mlservice train`
 *            reads it (src/cli/data-file.ts), vs pandas.read_csv (best of 5, wall and CPU)
 *   train    `mlservice train` whole process, 2 epochs, (256,128), batch 200, CPU, vs a numpy +
 *            scikit-learn script (load included): wall and peak RSS (/usr/bin/time -v)
 *   upload   a 50 MB CSV to a running `serve`: its peak RSS growth (/proc/PID/status VmHWM)
 *   predict  `mlservice predict` on the 200k rows (read + score + write CSV) vs
 *            read_csv + predict_proba + to_csv: rows/s
 *
 *   bun run bench:data            (ROWS=50000 for a quicker look)
 *   bun run bench:data --only train   (one part: read, train, predict or upload)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readDataFile } from "../src/cli/data-file";
import { Random } from "../src/ml/random";

const ROWS = Number(process.env.ROWS ?? 200_000);
const PARTS = ["read", "train", "predict", "upload"] as const;
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
if (only !== undefined && !(PARTS as readonly string[]).includes(only)) {
  console.error(`--only takes one of ${PARTS.join(", ")}`);
  process.exit(2);
}
/** whether this run measures `part` */
const runs = (part: (typeof PARTS)[number]) => only === undefined || only === part;
const COLS = 32;
const ROOT = join(import.meta.dir, "..");
const dir = mkdtempSync(join(tmpdir(), "mls-bench-data-"));
const csv = join(dir, "wide.csv");

function generate(): void {
  const rng = new Random(0);
  const header = [...Array.from({ length: COLS }, (_, j) => `f${j}`), "label"].join(",");
  const lines = [header];
  for (let i = 0; i < ROWS; i++) {
    const x = Array.from({ length: COLS }, () => rng.uniform(-3, 3));
    const label = (x[0] as number) + (x[1] as number) - (x[2] as number) > 0 ? 1 : 0;
    lines.push(`${x.map((v) => v.toFixed(6)).join(",")},${label}`);
  }
  writeFileSync(csv, `${lines.join("\n")}\n`);
}

function timed(cmd: string[], env: Record<string, string> = {}) {
  // the report goes to a file: on a pipe it raced the child's own stderr and came back cut
  const report = join(dir, "time.txt");
  const t0 = performance.now();
  const r = Bun.spawnSync(["/usr/bin/time", "-v", "-o", report, ...cmd], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
  const wall = (performance.now() - t0) / 1000;
  const err = readFileSync(report, "utf8");
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(err)?.[1] ?? 0) / 1024;
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} exited ${r.exitCode}: ${r.stderr.toString().slice(-1500)}`);
  return { wall, rssMb: rss, stdout: r.stdout.toString() };
}

/** Debian's interpreter, where python3-pandas and python3-sklearn are installed */
const python = (code: string) => timed(["/usr/bin/python3", "-c", code]);
const fmt = (x: number, d = 2) => x.toFixed(d);

/** best of 5, wall and CPU seconds (CPU is the steadier figure on a shared box) */
async function readBench() {
  let best = Number.POSITIVE_INFINITY;
  let bestCpu = Number.POSITIVE_INFINITY;
  for (let k = 0; k < 5; k++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const table = await readDataFile(dir, csv, { ML_MAX_CSV_COLUMNS: 10_000, ML_MAX_DECOMPRESSED_BYTES: 2 ** 40 });
    best = Math.min(best, (performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    bestCpu = Math.min(bestCpu, (c.user + c.system) / 1e6);
    if (table.rows !== ROWS) throw new Error("row count");
  }
  const pandas = python(
    `import pandas as pd, time\nb=c=1e9\nfor _ in range(5):\n  t=time.perf_counter(); p=time.process_time(); d=pd.read_csv(${JSON.stringify(csv)}); b=min(b,time.perf_counter()-t); c=min(c,time.process_time()-p)\nprint(b, c)`,
  );
  const [pd, pdCpu] = pandas.stdout.trim().split(" ").map(Number) as [number, number];
  console.log(
    `read ${ROWS}×${COLS + 1} CSV into columns: reader ${fmt(best, 3)} s (CPU ${fmt(bestCpu, 3)} s), pandas.read_csv ${fmt(pd, 3)} s (CPU ${fmt(pdCpu, 3)} s), ` +
      `ratio ${fmt(pd / best)}× wall, ${fmt(pdCpu / bestCpu)}× CPU (target ≥ 2×)`,
  );
}

function trainBench(env: Record<string, string>) {
  const ours = timed(
    [
      process.execPath,
      "src/main.ts",
      "train",
      "--csv",
      csv,
      "--target",
      "label",
      "--hidden",
      "256,128",
      "--epochs",
      "2",
    ].concat(["--batch", "200", "--backend", "cpu", "--no-early-stopping", "--json"]),
    env,
  );
  const sk = python(
    `import pandas as pd, numpy as np\nfrom sklearn.neural_network import MLPClassifier\nfrom sklearn.preprocessing import StandardScaler\nimport warnings; warnings.filterwarnings("ignore")\nd=pd.read_csv(${JSON.stringify(csv)})\ny=d.pop("label").to_numpy(); x=StandardScaler().fit_transform(d.to_numpy(np.float32))\nMLPClassifier((256,128),max_iter=2,batch_size=200,random_state=0).fit(x,y)`,
  );
  // what each side holds before any data: the runtime, and the imports of the command / the script
  const bare = timed([process.execPath, "-e", "0"]).rssMb;
  const version = timed([process.execPath, "src/main.ts", "--version"]).rssMb;
  const imports = python("import pandas, numpy, sklearn.neural_network, sklearn.preprocessing").rssMb;
  console.log(
    `baseline peak RSS: bare bun ${fmt(bare, 0)} MB, mlservice --version ${fmt(version, 0)} MB; python3 importing pandas + sklearn ${fmt(imports, 0)} MB`,
  );
  console.log(
    `train whole process, 2 epochs (256,128) batch 200 CPU: mlservice ${fmt(ours.wall)} s / ${fmt(ours.rssMb, 0)} MB peak RSS, ` +
      `sklearn ${fmt(sk.wall)} s / ${fmt(sk.rssMb, 0)} MB; wall ratio ${fmt(sk.wall / ours.wall)}× (target ≥ 1), RSS ratio ${fmt(ours.rssMb / sk.rssMb)} (target ≤ 0.5)`,
  );
}

function predictBench(env: Record<string, string>) {
  // the model scored: same size, one epoch, stored with --register (not part of the figures)
  timed(
    [
      process.execPath,
      "src/main.ts",
      "train",
      "--csv",
      csv,
      "--target",
      "label",
      "--hidden",
      "256,128",
      "--epochs",
      "1",
    ].concat(["--backend", "cpu", "--no-early-stopping", "--json", "--register", "wide"]),
    env,
  );
  const out = join(dir, "scores.csv");
  const ours = timed(
    [process.execPath, "src/main.ts", "predict", "--model", "wide", "--input", csv, "--out", out],
    env,
  );
  const sk = python(
    `import pandas as pd, numpy as np, time\nfrom sklearn.neural_network import MLPClassifier\nfrom sklearn.preprocessing import StandardScaler\nimport warnings; warnings.filterwarnings("ignore")\nd=pd.read_csv(${JSON.stringify(csv)}); y=d.pop("label").to_numpy(); s=StandardScaler().fit(d.to_numpy(np.float32))\nm=MLPClassifier((256,128),max_iter=1,batch_size=200,random_state=0).fit(s.transform(d.to_numpy(np.float32))[:20000],y[:20000])\nt=time.perf_counter(); d=pd.read_csv(${JSON.stringify(csv)}); d.pop("label"); p=m.predict_proba(s.transform(d.to_numpy(np.float32)))\npd.DataFrame(p).to_csv(${JSON.stringify(join(dir, "sk.csv"))}); print(time.perf_counter()-t)`,
  );
  const skS = Number(sk.stdout.trim());
  console.log(
    `batch scoring ${ROWS} rows incl. read + write: mlservice predict ${fmt(ROWS / ours.wall, 0)} rows/s (whole process ${fmt(ours.wall)} s), ` +
      `sklearn predict_proba ${fmt(ROWS / skS, 0)} rows/s; ratio ${fmt(skS / ours.wall)}× (target ≥ 1)`,
  );
}

async function uploadBench(env: Record<string, string>) {
  const port = 18_000 + Math.floor(Math.random() * 2000);
  const big = join(dir, "upload.csv");
  const text = await Bun.file(csv).text();
  const lines = text.split("\n");
  let body = lines.slice(0, 1).join("\n");
  while (body.length < 50e6) body += `\n${lines.slice(1, 20_001).join("\n")}`;
  writeFileSync(big, `${body}\n`);
  const proc = Bun.spawn([process.execPath, "src/main.ts", "serve"], {
    cwd: ROOT,
    env: {
      ...process.env,
      // one process: the RSS read below is this process's, and an upload must reach it
      ML_HTTP_PROCESSES: "1",
      ...env,
      ML_SERVICE_PORT: String(port),
      ML_SERVICE_HOST: "127.0.0.1",
      ML_MAX_CSV_UPLOAD_BYTES: "100000000",
    },
    stdout: "ignore",
    stderr: "ignore",
  });
  const status = (key: string) =>
    Number(new RegExp(`${key}:\\s+(\\d+)`).exec(readFileSync(`/proc/${proc.pid}/status`, "utf8"))?.[1]) / 1024;
  try {
    for (let i = 0; i < 200; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) break;
      await Bun.sleep(100);
    }
    const before = status("VmHWM");
    const form = new FormData();
    form.append("file", Bun.file(big), "upload.csv");
    const res = await fetch(`http://127.0.0.1:${port}/datasets/upload`, {
      method: "POST",
      body: form,
      headers: { "x-admin-token": env.ML_ADMIN_API_TOKEN as string },
    });
    const after = status("VmHWM");
    console.log(
      `upload ${fmt(Bun.file(big).size / 1e6, 0)} MB CSV: HTTP ${res.status}, server peak RSS ${fmt(before, 0)} → ${fmt(after, 0)} MB, growth ${fmt(after - before, 0)} MB (target ≤ 64)`,
    );
  } finally {
    proc.kill();
    await proc.exited;
  }
}

try {
  console.log(`bench:data on ${navigator.hardwareConcurrency} cores; ${ROWS} rows × ${COLS} numbers`);
  generate();
  const env = {
    ML_DB_PATH: join(dir, "store.db"),
    ML_ARTIFACTS_ROOT: join(dir, "artifacts"),
    ML_DATASETS_ROOT: join(dir, "datasets"),
    ML_ADMIN_API_TOKEN: "b".repeat(40),
    ML_ADMIN_PASSWORD: "Bench-pass-2025",
  };
  if (runs("read")) await readBench();
  if (runs("train")) trainBench(env);
  if (runs("predict")) predictBench(env);
  if (runs("upload")) await uploadBench(env);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
