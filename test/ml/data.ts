/** The shared iris/digits sets, standardised with the training split's mean and spread. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readCsvBytes } from "../../src/datasets/reader";
import { applyScaler, fitScaler } from "../../src/ml/scale";

/** A numeric CSV as row-major numbers (every column but `target`) and the target's labels. */
export function numericCsv(bytes: Uint8Array, target: string) {
  const table = readCsvBytes(bytes, { maxColumns: 10_000 });
  const features = table.columns.filter((c) => c.name !== target);
  const rows = Array.from({ length: table.rows }, (_, r) =>
    features.map((c) => (c.type === "number" ? (c.values[r] as number) : Number.NaN)),
  );
  const t = table.columns.find((c) => c.name === target);
  const labels = Array.from({ length: table.rows }, (_, r) =>
    t?.type === "category" ? (t.dictionary[t.codes[r] as number] as string) : String(t?.values[r]),
  );
  return { columns: features.map((c) => c.name), rows, labels };
}

const DATA = join(import.meta.dir, "../../../shared/data");

export function loadPair(name: string, target: string) {
  const read = (part: string) => numericCsv(readFileSync(join(DATA, `${name}_${part}.csv`)), target);
  const train = read("train");
  const test = read("test");
  const cols = train.columns.length;
  const scaler = fitScaler(train.rows.flat(), cols);
  return {
    train: {
      x: applyScaler(scaler, train.rows.flat()),
      rows: train.rows.length,
      cols,
      y: train.labels,
    },
    test: { x: applyScaler(scaler, test.rows.flat()), y: test.labels },
  };
}
