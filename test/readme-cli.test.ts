/**
 * The README's command lines, executed: the `mlservice …` examples of its "Usage" section run
 * with bash, in the README's order, against the compiled binary (the binary's path put where the
 * line says `mlservice`), in a fresh working directory, each checked for what it says it does.
 * `mlservice version` and `mlservice migrate`, which the command list names without an example
 * line, run first. `mlservice serve` runs in the background (on `ML_SERVICE_PORT`, which the
 * README's `mlservice health` line reads) until the lines after it are done.
 *
 * Not run here: `npm ci`, `npm test`, `npm start` and `npm run build` (the quick start): they are
 * what CI itself runs, and the build is what makes the binary this test uses. The files the
 * examples name are made first, as a reader would have them: `alice.pw`, the digits CSVs (shared
 * data), a `churn.parquet` and a `customers.csv.gz` (generated), and the `iris` and `digits`
 * models that `export` and `drift-check` name, registered with `mlservice train --register`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { compiledBinary } from "./binary-helpers";
import { DATA } from "./ml-service/helpers";

const README = readFileSync(join(import.meta.dir, "..", "README.md"), "utf8");

/** The example lines of the Usage section's `sh` block, continuation lines joined, output lines (`# {…}`) left out. */
function usageLines(readme: string): string[] {
  const usage = readme.slice(readme.indexOf("\n## Usage\n"));
  const block = usage.slice(usage.indexOf("```sh\n") + 6, usage.indexOf("\n```", usage.indexOf("```sh\n")));
  return block
    .replace(/\\\n\s*/g, "")
    .split("\n")
    .filter((l) => l.startsWith("mlservice "));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Churn rows: long tenure and the yearly plan keep customers. */
function churnRows(n: number, seed: number) {
  let x = seed;
  const rnd = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  const tenure: number[] = [];
  const plan: string[] = [];
  const churned: string[] = [];
  for (let i = 0; i < n; i++) {
    tenure.push(Math.round(rnd() * 60));
    plan.push(rnd() < 0.5 ? "monthly" : "yearly");
    churned.push((tenure[i] as number) < 20 && plan[i] === "monthly" ? "yes" : "no");
  }
  return { tenure, plan, churned };
}

let dir = "";
let binary = "";
let env: Record<string, string> = {};
let server: ReturnType<typeof Bun.spawn> | undefined;

async function sh(line: string) {
  const proc = Bun.spawn(["bash", "-c", line.replace(/^mlservice /, `${binary} `)], {
    cwd: dir,
    env,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { out, err, code };
}

/** Starts the README's `serve` line and resolves once its log says it listens; its output keeps draining. */
async function serve(line: string): Promise<void> {
  const proc = Bun.spawn(["bash", "-c", `exec ${line.replace(/^mlservice /, `${binary} `)}`], {
    cwd: dir,
    env,
    stdout: "pipe",
    stderr: "inherit",
  });
  server = proc;
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`serve exited before listening: ${text}`);
    text += new TextDecoder().decode(value);
    if (text.includes('"msg":"listening"')) break;
  }
  void (async () => {
    while (!(await reader.read()).done) {}
  })();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mls-readme-cli-"));
  binary = await compiledBinary();
  env = {
    PATH: process.env.PATH ?? "",
    ML_COMPUTE: "cpu",
    ML_HTTP_PROCESSES: "1",
    ML_ADMIN_PASSWORD: "Admin-pass-2025",
    ML_SERVICE_PORT: String(await freePort()),
  };
  writeFileSync(join(dir, "alice.pw"), "Still-water-2026\n");
  for (const f of ["digits_train.csv", "digits_test.csv", "iris_train.csv"]) copyFileSync(join(DATA, f), join(dir, f));
  const churn = churnRows(300, 7);
  writeFileSync(
    join(dir, "churn.parquet"),
    new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: "tenure", data: churn.tenure, type: "DOUBLE" },
          { name: "plan", data: churn.plan, type: "STRING" },
          { name: "churned", data: churn.churned, type: "STRING" },
        ],
      }),
    ),
  );
  const customers = churnRows(25, 11);
  const csv = ["tenure,plan", ...customers.tenure.map((t, i) => `${t},${customers.plan[i]}`)].join("\n");
  writeFileSync(join(dir, "customers.csv.gz"), Bun.gzipSync(new TextEncoder().encode(`${csv}\n`)));
}, 180_000);

afterAll(async () => {
  server?.kill();
  await server?.exited;
  rmSync(dir, { recursive: true, force: true });
});

describe("README: the `mlservice` command lines, run in order against the compiled binary", () => {
  test("every Usage example runs as written and does what its comment says", async () => {
    const lines = usageLines(README);
    expect(lines.map((l) => l.split(/\s+/)[1])).toEqual([
      "serve",
      "user",
      "train",
      "train",
      "predict",
      "drift-check",
      "export",
      "health",
    ]);

    const version = await sh("mlservice version");
    expect(version.code).toBe(0);
    expect(version.out.trim()).toMatch(/\d+\.\d+\.\d+/);
    const migrate = await sh("mlservice migrate");
    expect(migrate.code).toBe(0);
    for (const [model, file, target] of [
      ["iris", "iris_train.csv", "species"],
      ["digits", "digits_train.csv", "label"],
    ]) {
      const setup = await sh(`mlservice train --csv ${file} --target ${target} --register ${model} --epochs 20`);
      expect(setup.code, setup.err).toBe(0);
    }

    for (const line of lines) {
      const command = line.split(/\s+/)[1];
      if (command === "serve") {
        await serve(line);
        continue;
      }
      const r = await sh(line);
      const say = `${line}\n${r.out}\n${r.err}`;
      if (command === "drift-check") {
        // a fresh model has no traffic to decide on: 11, the documented "could not decide"
        expect(r.code, say).toBe(11);
        expect(JSON.parse(r.out)).toBeDefined();
        continue;
      }
      expect(r.code, say).toBe(0);
      if (line.includes("--json") && command === "train") {
        // the keys of the output line the README shows under it; early stopping may end before 100 epochs
        const shown = JSON.parse(/\n# (\{"backend".*\})\n/.exec(README)?.[1] ?? "{}") as Record<string, unknown>;
        const got = JSON.parse(r.out) as Record<string, unknown>;
        expect(Object.keys(got).sort()).toEqual(Object.keys(shown).sort());
        expect(got).toMatchObject({ backend: "cpu", metric_name: "accuracy" });
        expect(got.epochs as number).toBeLessThanOrEqual(100);
        expect(got.metric as number).toBeGreaterThan(0.8);
      }
    }

    const users = await sh("mlservice user list");
    expect(users.out).toContain("alice");
    const scores = readFileSync(join(dir, "scores.csv"), "utf8").trim().split("\n");
    expect(scores).toHaveLength(26);
    const onnx = readdirSync(dir).filter((f) => /^iris-.+\.onnx$/.test(f));
    expect(onnx).toHaveLength(1);
    expect(existsSync(join(dir, onnx[0] as string))).toBe(true);
  }, 300_000);
});
