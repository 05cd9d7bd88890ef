import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { EXIT, type Io } from "../../src/cli/io";
import { run, type TrainDeps, usage } from "../../src/cli/train";
import { ReferenceBackend } from "../compute/reference";
import { tempDir } from "../temp-dir";

const DATA = join(import.meta.dir, "../../../shared/data");

function fakeIo(isTTY = false) {
  const out: string[] = [];
  const err: string[] = [];
  const written: string[] = [];
  const io: Io = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    write: (t) => written.push(t),
    isTTY,
    env: {},
    cwd: DATA,
  };
  return { io, out, err, written };
}

const deps: TrainDeps = {
  openBackend: async () => ({ backend: new ReferenceBackend(), reason: "test" }),
};

const iris = ["--csv", "iris_train.csv", "--test", "iris_test.csv", "--target", "species", "--hidden", "16"];

describe("cli train", () => {
  test("--json prints exactly one line with the documented fields", async () => {
    const { io, out, err } = fakeIo();
    const code = await run([...iris, "--epochs", "300", "--lr", "0.01", "--no-early-stopping", "--json"], io, deps);
    expect(err).toEqual([]);
    expect(code).toBe(EXIT.ok);
    expect(out).toHaveLength(1);
    const r = JSON.parse(out[0] as string);
    expect(Object.keys(r)).toEqual([
      "backend",
      "train_s",
      "rows_per_s_train",
      "epochs",
      "metric_name",
      "metric",
      "predict_s",
    ]);
    expect(r).toMatchObject({ backend: "cpu", metric_name: "accuracy" });
    expect(r.epochs).toBeGreaterThan(0);
    expect(r.metric).toBeGreaterThan(0.85);
    expect(r.rows_per_s_train).toBeGreaterThan(0);
  });

  test("draws a progress bar on a terminal and a summary without --json", async () => {
    const { io, out, written } = fakeIo(true);
    const code = await run([...iris, "--epochs", "5", "--no-early-stopping"], io, deps);
    expect(code).toBe(EXIT.ok);
    expect(written.some((w) => w.startsWith("\r[") && w.includes("5/5"))).toBe(true);
    expect(out.join("\n")).toMatch(/accuracy on test: \d\.\d{4}/);
  });

  test("trains a regression from a numeric target and reports R²", async () => {
    const dir = tempDir("train-cli-");
    const lines = ["a,b,y"];
    for (let i = 0; i < 120; i++) lines.push(`${(i % 11) / 10},${(i % 7) / 7},${(2 * (i % 11)) / 10 - (i % 7) / 7}`);
    writeFileSync(join(dir, "r.csv"), lines.join("\n"));
    const { io, out } = fakeIo();
    const code = await run(
      ["--csv", join(dir, "r.csv"), "--target", "y", "--lr", "0.01", "--hidden", "8", "--json"],
      io,
      deps,
    );
    expect(code).toBe(EXIT.ok);
    expect(JSON.parse(out[0] as string)).toMatchObject({ metric_name: "r2" });
  });

  test("exits with the usage code and one stderr line on bad arguments", async () => {
    const cases = [
      ["--csv", "iris_train.csv"],
      [...iris, "--hidden", "16,x"],
      [...iris, "--epochs", "0"],
      [...iris, "--backend", "tpu"],
      [...iris, "--task", "ranking"],
      [...iris, "--frobnicate"],
    ];
    for (const args of cases) {
      const { io, out, err } = fakeIo();
      expect(await run(args, io, deps)).toBe(EXIT.usage);
      expect(err).toHaveLength(1);
      expect(out).toEqual([]);
    }
  });

  test("exits with failure and a clear line for unreadable or bad data", async () => {
    const dir = tempDir("train-cli-");
    writeFileSync(join(dir, "bad.csv"), "a,b,y\n1,2,x\n3,y\n");
    writeFileSync(join(dir, "one.csv"), "a,y\n1,x\n2,x\n");
    const cases: [string[], RegExp][] = [
      [["--csv", "nope.csv", "--target", "y"], /cannot read nope.csv: ENOENT/],
      [
        ["--csv", join(dir, "bad.csv"), "--target", "y"],
        /bad.csv: row 2 \(line 3\) has 2 fields, but the header has 3: column 3 "y" is missing/,
      ],
      [["--csv", join(dir, "one.csv"), "--target", "y", "--no-early-stopping"], /at least 2 classes/],
      [["--csv", "iris_train.csv", "--target", "colour"], /no column named "colour"/],
    ];
    for (const [args, message] of cases) {
      const { io, err } = fakeIo();
      expect(await run(args, io, deps)).toBe(EXIT.failure);
      expect(err).toHaveLength(1);
      expect(err[0]).toMatch(message);
    }
  });

  test("rows without a target are left out before the columns are typed and scaled", async () => {
    const dir = tempDir("train-cli-");
    const header = "id,x,gappy,flat,y";
    const rows: string[] = [];
    const unlabelled: string[] = [];
    for (let i = 0; i < 120; i++) {
      const x = ((i * 37) % 101) / 10 - 5;
      const gappy = i % 5 === 0 ? "NA" : String((i * 13) % 17);
      const row = `${i + 1},${x},${gappy},7,${x + ((i * 7) % 3) > 0 ? "up" : "down"}`;
      rows.push(row);
      // the same rows with no target, holding values far from the others: they must not move the scaling
      unlabelled.push(`${1000 + i},${x * 1000},${gappy === "NA" ? 1e6 : "NA"},9,`);
    }
    writeFileSync(join(dir, "labelled.csv"), [header, ...rows].join("\n"));
    writeFileSync(join(dir, "mixed.csv"), [header, ...rows.flatMap((r, i) => [r, unlabelled[i] as string])].join("\n"));
    const train = async (file: string) => {
      const { io, out, err } = fakeIo();
      const code = await run(
        ["--csv", join(dir, file), "--target", "y", "--hidden", "8", "--epochs", "20", "--no-early-stopping"],
        io,
        deps,
      );
      expect(code).toBe(EXIT.ok);
      return { out: out.filter((l) => !l.startsWith("trained")), err };
    };
    const labelled = await train("labelled.csv");
    const mixed = await train("mixed.csv");
    expect(mixed.out).toEqual(labelled.out);
    expect(labelled.err).toEqual([
      'left out "id": a different value on every row (an ID)',
      'left out "flat": a single value',
    ]);
    expect(mixed.err).toEqual([...labelled.err, "120 rows have no y and are not trained on"]);
  });

  test("passes --backend, ML_* settings and the work estimate to the backend picker", async () => {
    const seen: unknown[] = [];
    const spy: TrainDeps = {
      openBackend: async (opts) => {
        seen.push(opts);
        return { backend: new ReferenceBackend(), reason: "spy" };
      },
    };
    const { io } = fakeIo();
    io.env = { ML_CPU_THREADS: "3" };
    expect(await run([...iris, "--epochs", "2", "--backend", "cpu", "--json"], io, spy)).toBe(EXIT.ok);
    // 6 · 120 rows · (4·16 + 16·3 weights: 4 numbers never missing, so no missing flags) · 2 epochs
    expect(seen).toEqual([{ compute: "cpu", threads: 3, workSize: 6 * 120 * 112 * 2 }]);
  });

  test("exits with the config code when an ML_* setting is invalid", async () => {
    const { io, err } = fakeIo();
    io.env = { ML_COMPUTE: "tpu" };
    expect(await run(iris, io, deps)).toBe(EXIT.config);
    expect(err).toHaveLength(1);
  });

  test("--help prints a usage that ends in examples", async () => {
    const { io, out } = fakeIo();
    expect(await run(["--help"], io, deps)).toBe(EXIT.ok);
    expect(out[0]).toBe(usage());
    expect(usage()).toMatch(/Examples:\n(\s+mlservice train .+\n?)+$/);
  });
});
