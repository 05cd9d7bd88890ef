/**
 * The offline round trip: `mlservice train --register` stores a model trained on a file with a
 * categorical, a date and NA cells; `serve` (the service on the same store) serves it, and
 * `mlservice predict` gives the served answers for the same file, in its row order.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT, type Io } from "../../src/cli/io";
import { run as predict } from "../../src/cli/predict";
import { run as train } from "../../src/cli/train";
import { Random } from "../../src/ml/random";
import { ReferenceBackend } from "../compute/reference";
import { readRecords } from "../csv-records";
import { startService } from "../ml-service/helpers";

const dir = mkdtempSync(join(tmpdir(), "mls-register-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = {
  ML_DB_PATH: join(dir, "store.db"),
  ML_ARTIFACTS_ROOT: join(dir, "artifacts"),
  ML_DATASETS_ROOT: join(dir, "datasets"),
};

function fakeIo() {
  const out: string[] = [];
  const err: string[] = [];
  const written: string[] = [];
  const io: Io = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    write: (t) => written.push(t),
    isTTY: false,
    env,
    cwd: dir,
  };
  return { io, out, err, written };
}

/** Tab-separated: a size category, a measurement with NA cells, a date; the class follows size and weight. */
function dataFile(rows: number, seed: number): string {
  const rng = new Random(seed);
  const lines = ["size\tweight\tday\tlabel"];
  for (let i = 0; i < rows; i++) {
    const size = ["S", "M", "L"][rng.int(3)] as string;
    const weight = rng.nextFloat() * 10;
    const day = `2022-0${1 + rng.int(9)}-1${rng.int(9)}`;
    const label = (size === "L" ? 5 : 0) + weight > 6 ? "heavy" : "light";
    lines.push(`${size}\t${i % 17 === 0 ? "NA" : weight.toFixed(3)}\t${day}\t${label}`);
  }
  return `${lines.join("\n")}\n`;
}

describe("mlservice train --register and mlservice predict", () => {
  test("a model trained offline is served by the service with the same predictions", async () => {
    writeFileSync(join(dir, "train.tsv"), dataFile(300, 1));
    writeFileSync(join(dir, "probe.tsv"), dataFile(40, 2));
    const t = fakeIo();
    const code = await train(
      [
        "--csv",
        "train.tsv",
        "--target",
        "label",
        "--hidden",
        "16",
        "--epochs",
        "60",
        "--register",
        "weights",
        "--json",
      ],
      t.io,
      { openBackend: async () => ({ backend: new ReferenceBackend(), reason: "test" }) },
    );
    expect(t.err).toEqual([]);
    expect(code).toBe(EXIT.ok);
    expect(JSON.parse(t.out[0] as string)).toMatchObject({ model_key: "weights", version: "1.0.0" });

    const p = fakeIo();
    expect(await predict(["--model", "weights", "--input", "probe.tsv", "--out", "scores.csv"], p.io)).toBe(EXIT.ok);
    const [header, ...records] = readRecords(readFileSync(join(dir, "scores.csv"), "utf8")).map((r) => r.fields);
    expect(records).toHaveLength(40);
    const offline = records.map((r) => r[(header as string[]).indexOf("prediction")]);
    expect(new Set(offline)).toEqual(new Set(["heavy", "light"]));

    const svc = await startService(env, dir);
    try {
      const model = await svc.request("/models/weights");
      expect(model.body.active_version).toBe("1.0.0");
      const probe = readRecords(readFileSync(join(dir, "probe.tsv"), "utf8").replaceAll("\t", ","))
        .slice(1)
        .map(({ fields: [size, weight, day] }) => ({
          size: size as string,
          weight: weight === "NA" ? null : Number(weight),
          day: day as string,
        }));
      const served = await svc.request("/predict", { json: { model_key: "weights", data: probe } });
      expect(served.status).toBe(200);
      expect(served.body.predictions.map((x: { prediction: string }) => x.prediction)).toEqual(offline);
    } finally {
      await svc.close(true);
    }
  });

  test("predict names a missing model or file and exits 1", async () => {
    const p = fakeIo();
    expect(await predict(["--model", "nope", "--input", "probe.tsv"], p.io)).toBe(EXIT.failure);
    expect(p.err.join("\n")).toContain("nope");
    const q = fakeIo();
    expect(await predict(["--model", "weights", "--input", "missing.csv"], q.io)).toBe(EXIT.failure);
    expect(q.err.join("\n")).toContain("cannot read missing.csv: ENOENT");
  });
});

describe("mlservice predict --out FILE.csv", () => {
  test("neutralises formula-looking classes and scores as every CSV the service writes does", async () => {
    const formulas = (text: string) => text.replaceAll("\theavy", "\t=HEAVY()").replaceAll("\tlight", "\t@light");
    writeFileSync(join(dir, "formula-train.tsv"), formulas(dataFile(200, 3)));
    writeFileSync(join(dir, "formula-probe.tsv"), dataFile(20, 4));
    const t = fakeIo();
    const args = ["--csv", "formula-train.tsv", "--target", "label", "--hidden", "8", "--epochs", "20"];
    const code = await train([...args, "--register", "formulas", "--json"], t.io, {
      openBackend: async () => ({ backend: new ReferenceBackend(), reason: "test" }),
    });
    expect(t.err).toEqual([]);
    expect(code).toBe(EXIT.ok);

    const p = fakeIo();
    const out = ["--model", "formulas", "--input", "formula-probe.tsv", "--out", "formula-scores.csv"];
    expect(await predict(out, p.io)).toBe(EXIT.ok);
    const text = readFileSync(join(dir, "formula-scores.csv"), "utf8");
    const [header, ...records] = readRecords(text).map((r) => r.fields);
    expect(header).toEqual(expect.arrayContaining(["prediction", "score_=HEAVY()", "score_@light"]));
    const labels = new Set(records.map((r) => r[(header as string[]).indexOf("prediction")]));
    expect([...labels].every((l) => l === "'=HEAVY()" || l === "'@light")).toBe(true);
    for (const cell of [header, ...records].flat()) expect(cell).not.toMatch(/^[=+@\t\r]|^-(?![\d.])/);
  }, 60_000);
});
