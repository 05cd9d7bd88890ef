import { describe, expect, test } from "bun:test";
import { compileEncoder } from "../../src/ml/compiled-encoder";
import { encodeRows, FeatureError, type FeatureSpec, inferSpec, type Row } from "../../src/ml/features";
import { Random } from "../../src/ml/random";
import { csvRows } from "../ml-service/helpers";

/** encodeRows's answer for `rows`: the matrix's bits, or the error's name, message and details. */
function reference(spec: FeatureSpec, rows: Row[]): unknown {
  try {
    return [...new Uint32Array(encodeRows(spec, rows).buffer)];
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message, details: (e as FeatureError).details };
  }
}

/** The compiled encoder's answer, written over a reused buffer full of leftovers. */
function compiled(spec: FeatureSpec, rows: Row[], buf: Float32Array): unknown {
  buf.fill(Number.NaN);
  try {
    const out = compileEncoder(spec).encode(rows, buf);
    return [...new Uint32Array(out.buffer, 0, rows.length * spec.width)];
  } catch (e) {
    expect(e).toBeInstanceOf(FeatureError);
    return { name: (e as Error).name, message: (e as Error).message, details: (e as FeatureError).details };
  }
}

const random = new Random(17);
const rand = () => random.nextFloat();
const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)] as T;

/** A cell of any kind a JSON body can carry, edge cases included. */
function anyCell(near: unknown): unknown {
  return pick([
    near,
    near,
    near,
    null,
    undefined,
    "",
    "  ",
    Number.NaN,
    (rand() - 0.5) * 100,
    String((rand() - 0.5) * 100),
    " 3.5e2 ",
    "1.",
    "abc",
    true,
    "no",
    "YES",
    1e39,
    -3.4e38,
    Number.POSITIVE_INFINITY,
    "2012-01-31",
    "2020-02-29T13:45:00Z",
    "not a date",
    "red",
    "purple",
    "toString",
    "good service today",
    {},
    [1],
  ]);
}

/** Rows like `sample`'s, each field replaced with probability `p` by anyCell. */
function fuzzRows(sample: Row[], n: number, p: number): Row[] {
  return Array.from({ length: n }, () => {
    const base = pick(sample);
    const row: Row = {};
    for (const [k, v] of Object.entries(base)) row[k] = rand() < p ? anyCell(v) : v;
    return row;
  });
}

const mixedTrain: Row[] = Array.from({ length: 60 }, (_, i) => ({
  age: i % 7 === 0 ? null : 20 + ((i * 37) % 50),
  height: 150 + ((i * 13) % 40),
  member: i % 5 === 0 ? "" : i % 2 === 0,
  always: i % 3 === 0,
  color: ["red", "blue", "green", "toString"][i % 4],
  note: ["good service", "slow and cold", "fine", ""][i % 4],
  day: i % 9 === 0 ? null : `2020-0${1 + (i % 9)}-1${i % 10}`,
  at: `2021-03-0${1 + (i % 9)}T1${i % 10}:30:00Z`,
  label: i % 3,
}));

const specs: [string, FeatureSpec, Row[]][] = (() => {
  const strip = (rows: Row[], target: string) => rows.map(({ [target]: _, ...rest }) => rest);
  const iris = strip(csvRows("iris_train.csv"), "species");
  const digits = strip(csvRows("digits_train.csv").slice(0, 300), "label");
  const mixed = strip(mixedTrain, "label");
  return [
    ["iris", inferSpec(iris, Object.keys(iris[0] as Row)), iris],
    ["digits", inferSpec(digits, Object.keys(digits[0] as Row)), digits],
    ["mixed", inferSpec(mixed, Object.keys(mixed[0] as Row), { note: "text" }), mixed],
  ];
})();

describe("compiled encoder equals encodeRows", () => {
  test("the mixed spec covers every kind, flagged and unflagged", () => {
    const mixed = specs[2]?.[1] as FeatureSpec;
    const kinds = mixed.features.map((f) => f.kind);
    for (const k of ["numeric", "boolean", "categorical", "text", "date"]) expect(kinds).toContain(k as never);
    const flags = mixed.features.flatMap((f) => (f.kind === "numeric" || f.kind === "boolean" ? [f.flag] : []));
    expect(flags).toContain(false);
    expect(flags).toContain(undefined);
  });

  for (const [name, spec, sample] of specs) {
    test(`${name}: clean rows, bit for bit`, () => {
      const buf = new Float32Array(8 * spec.width);
      for (let n = 1; n <= 8; n++) {
        const rows = fuzzRows(sample, n, 0);
        const want = reference(spec, rows);
        expect(Array.isArray(want)).toBe(true);
        expect(compiled(spec, rows, buf)).toEqual(want);
      }
    });

    test(`${name}: fuzzed rows, same matrix or same FeatureError`, () => {
      const buf = new Float32Array(8 * spec.width);
      let errors = 0;
      for (let i = 0; i < 400; i++) {
        const rows = fuzzRows(sample, 1 + (i % 8), i % 2 ? 0.05 : 0.3);
        const want = reference(spec, rows);
        if (!Array.isArray(want)) errors++;
        expect(compiled(spec, rows, buf)).toEqual(want);
      }
      // both outcomes were exercised
      expect(errors).toBeGreaterThan(0);
      expect(errors).toBeLessThan(400);
    });
  }

  test("a field absent from some row: the same list of missing features", () => {
    const [, spec, sample] = specs[2] as [string, FeatureSpec, Row[]];
    const rows = fuzzRows(sample, 3, 0);
    delete (rows[1] as Row).color;
    delete (rows[2] as Row).age;
    delete (rows[0] as Row).color;
    const want = reference(spec, rows) as { message: string };
    expect(want.message).toBe("rows are missing required features: age, color");
    expect(compiled(spec, rows, new Float32Array(3 * spec.width))).toEqual(want);
  });

  test("more than 100 bad cells: the first 100 reported, as encodeRows does", () => {
    const [, spec] = specs[1] as [string, FeatureSpec, Row[]];
    const rows = Array.from({ length: 8 }, () => Object.fromEntries(spec.features.map((f) => [f.name, "x"]))) as Row[];
    const want = reference(spec, rows) as { details: unknown[] };
    expect(want.details).toHaveLength(100);
    expect(compiled(spec, rows, new Float32Array(8 * spec.width))).toEqual(want);
  });

  test("a buffer too small is refused", () => {
    const [, spec, sample] = specs[0] as [string, FeatureSpec, Row[]];
    expect(() => compileEncoder(spec).encode(fuzzRows(sample, 2, 0), new Float32Array(spec.width))).toThrow(RangeError);
  });
});
