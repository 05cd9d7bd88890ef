/**
 * The training loader's float32 read (readCompactTable, encodeInPlace) against the reader's
 * float64 columns (readTable, encodeColumns): the same spec, the same matrix bit for bit and the
 * same trained model, on files with decimals, missing values, an integer ID past 2^24 and a
 * constant column.
 */
import { describe, expect, test } from "bun:test";
import { parquetWriteBuffer } from "hyparquet-writer";
import {
  type CompactColumn,
  type CompactTable,
  chunksOfBytes,
  readCompactTable,
  readTable,
  type Table,
} from "../../src/datasets/reader";
import { encodeColumns, encodeInPlace, type FeatureSpec, inferSpecOf } from "../../src/ml/features";
import { predict, trainMlp } from "../../src/ml/mlp";
import type { NumericCells } from "../../src/ml/numeric-cells";
import { Random } from "../../src/ml/random";
import { ReferenceBackend } from "../compute/reference";

const ROWS = 400;
const OPTS = { maxColumns: 100, maxDecompressedBytes: 2 ** 30 };

/** x, price and gappy decimals (gappy with NA and empty cells), an ID past 2^24, a constant, counts, the label */
function fixture(extra: "none" | "long-floats"): Uint8Array {
  const rng = new Random(11);
  const head = ["x", "price", "gappy", "id", "constant", "count", ...(extra === "none" ? [] : ["long"]), "label"];
  const lines = [head.join(",")];
  for (let i = 0; i < ROWS; i++) {
    const x = rng.uniform(-3, 3);
    const gap = i % 7 === 0 ? "NA" : i % 11 === 0 ? "" : rng.uniform(0, 1).toFixed(3);
    const cells = [x.toFixed(6), rng.uniform(0, 10_000).toFixed(2), gap, 20_000_000 + i, "4.5", i % 5];
    if (extra === "long-floats") cells.push(String(rng.uniform(0, 1) / 3));
    lines.push([...cells, x > 0 ? "yes" : "no"].join(","));
  }
  return new TextEncoder().encode(`${lines.join("\n")}\n`);
}

/** the same cells as NDJSON (numbers as numbers, missing as null) or Parquet (DOUBLE columns, the label a STRING) */
function asFormat(csv: Uint8Array, format: "ndjson" | "parquet"): Uint8Array {
  const [head, ...lines] = new TextDecoder().decode(csv).trim().split("\n");
  const names = (head as string).split(",");
  const cell = (t: string, j: number) => (t === "" || t === "NA" ? null : j === names.length - 1 ? t : Number(t));
  const rows = lines.map((l) => l.split(",").map(cell));
  if (format === "ndjson") {
    const text = rows.map((r) => JSON.stringify(Object.fromEntries(names.map((n, j) => [n, r[j]])))).join("\n");
    return new TextEncoder().encode(text);
  }
  const columnData = names.map((name, j) => ({
    name,
    data: rows.map((r) => r[j] as number | string | null),
    type: (j === names.length - 1 ? "STRING" : "DOUBLE") as "STRING" | "DOUBLE",
  }));
  return new Uint8Array(parquetWriteBuffer({ columnData }));
}

const FEATURES = (extra: "none" | "long-floats") =>
  ["x", "price", "gappy", "id", "constant", "count", ...(extra === "none" ? [] : ["long"])] as string[];

/** the loader's cells of one column: a float32 column as a view of its block, else as read */
function cellsOf(column: CompactColumn | undefined): NumericCells | (number | string | null)[] {
  if (!column) throw new Error("no such column");
  if (column.type === "float32") {
    const { values, stride, offset, rows, scale } = column;
    return { values, stride, offset, missing: column.missing ?? new Uint8Array(rows), ...(scale && { scale }) };
  }
  if (column.type === "number") return { values: column.values, missing: column.missing };
  return Array.from(column.codes, (c) => (c < 0 ? null : (column.dictionary[c] as string)));
}

const columnOf = (t: Table | CompactTable) => (name: string) => cellsOf(t.columns.find((c) => c.name === name));

async function bothWays(extra: "none" | "long-floats", format: "csv" | "ndjson" | "parquet" = "csv") {
  const bytes = format === "csv" ? fixture(extra) : asFormat(fixture(extra), format);
  const wide = await readTable(chunksOfBytes(bytes, 4096), OPTS);
  const compact = await readCompactTable(chunksOfBytes(bytes, 4096), OPTS);
  const spec64 = inferSpecOf(ROWS, columnOf(wide), FEATURES(extra));
  const spec32 = inferSpecOf(ROWS, columnOf(compact), FEATURES(extra));
  const x64 = encodeColumns(spec64, ROWS, columnOf(wide));
  const inPlace = encodeInPlace(spec32, ROWS, columnOf(compact));
  const x32 = inPlace ?? encodeColumns(spec32, ROWS, columnOf(compact));
  return { compact, spec64, spec32, x64, x32, inPlace: inPlace !== null };
}

const kinds = (t: CompactTable) => Object.fromEntries(t.columns.map((c) => [c.name, c.type]));

async function fitAndPredict(spec: FeatureSpec, x: Float32Array) {
  const backend = new ReferenceBackend();
  const y = Array.from({ length: ROWS }, (_, i) => ((x[i * spec.width] as number) > 0 ? 1 : 0));
  const model = await trainMlp(
    backend,
    { x, rows: ROWS, cols: spec.width, y },
    { task: "classification", hidden: [8], maxIter: 3, earlyStopping: false, seed: 1 },
  );
  return predict(backend, model, x);
}

describe("the training loader's float32 columns", () => {
  test("give the float64 path's spec and matrix, written over the file's own row block", async () => {
    const r = await bothWays("none");
    expect(kinds(r.compact)).toEqual({
      x: "float32",
      price: "float32",
      gappy: "float32",
      id: "number",
      constant: "float32",
      count: "float32",
      label: "category",
    });
    expect(r.spec32).toEqual(r.spec64);
    expect(r.spec64.excluded).toEqual([
      { name: "id", reason: "id" },
      { name: "constant", reason: "constant" },
    ]);
    const gaps = Array.from({ length: ROWS }, (_, i) => i % 7 === 0 || i % 11 === 0).filter(Boolean).length;
    expect(r.spec64.features.find((f) => f.name === "gappy")).toMatchObject({ missing: gaps });
    expect(r.spec64.width).toBe(5);
    expect(r.inPlace).toBe(true);
    expect(r.x32).toEqual(r.x64);
    expect(await fitAndPredict(r.spec32, r.x32)).toEqual(await fitAndPredict(r.spec64, r.x64));
  });

  test("read from NDJSON and Parquet, give the same spec and matrix in place as well", async () => {
    const csv = await bothWays("none");
    for (const format of ["ndjson", "parquet"] as const) {
      const r = await bothWays("none", format);
      expect(r.compact.format).toBe(format);
      expect(r.spec32).toEqual(r.spec64);
      expect(r.spec32).toEqual(csv.spec64);
      expect(r.inPlace).toBe(true);
      expect(r.x32).toEqual(csv.x64);
    }
  });

  test("keep float64 for a column float32 cannot restore, and encode beside it the same way", async () => {
    const r = await bothWays("long-floats");
    expect(kinds(r.compact).long).toBe("number");
    expect(r.spec32).toEqual(r.spec64);
    expect(r.inPlace).toBe(false);
    expect(r.x32).toEqual(r.x64);
  });
});

describe("a float32 column whose first cell is missing", () => {
  // the mask is made at the first missing cell; the block grows past it afterwards (no size
  // estimate here, as for NDJSON or a compressed file): the mask must cover every row
  test("keeps its missing mask as long as the column, and encodes as the float64 path does", async () => {
    const rows = 3001;
    const lines = ["a,b", "NA,1", ...Array.from({ length: rows - 1 }, (_, i) => `${(i % 97) / 4},${i % 3}`)];
    const bytes = new TextEncoder().encode(`${lines.join("\n")}\n`);
    const wide = await readTable(chunksOfBytes(bytes, 4096), OPTS);
    const compact = await readCompactTable(chunksOfBytes(bytes, 4096), OPTS);
    const a = compact.columns.find((c) => c.name === "a");
    expect(a?.type).toBe("float32");
    if (a?.type !== "float32") return;
    expect(a.rows).toBe(rows);
    expect(a.missing?.length).toBe(rows);
    expect(Array.from(a.missing ?? []).reduce((s, m) => s + m, 0)).toBe(1);
    const spec64 = inferSpecOf(rows, columnOf(wide), ["a", "b"]);
    const spec32 = inferSpecOf(rows, columnOf(compact), ["a", "b"]);
    expect(spec32).toEqual(spec64);
    expect(encodeColumns(spec32, rows, columnOf(compact))).toEqual(encodeColumns(spec64, rows, columnOf(wide)));
  });
});
