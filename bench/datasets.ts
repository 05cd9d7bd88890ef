/**
 * The bench's data sets, written beside as .npy files so that scikit-learn trains on the same rows:
 * digits (the repository's shared CSVs) and a synthetic set of 5 Gaussian blobs in 32 dimensions.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Label } from "../src/ml/model";
import { Random } from "../src/ml/random";
import { applyScaler, fitScaler } from "../src/ml/scale";
import { numericCsv } from "../test/ml/data";

const DATA = join(import.meta.dir, "../../shared/data");

export interface Dataset {
  name: string;
  train: { x: Float32Array; rows: number; cols: number; y: Label[] };
  test: { x: Float32Array; y: Label[] };
  /** how the sklearn script gets the same rows */
  files: string[];
}

export function digits(dir: string): Dataset {
  const read = (part: string) => numericCsv(readFileSync(join(DATA, `digits_${part}.csv`)), "label");
  const tr = read("train");
  const te = read("test");
  const cols = tr.columns.length;
  const scaler = fitScaler(tr.rows.flat(), cols);
  const labels = (t: typeof tr) => t.labels.map(Number);
  const d: Dataset = {
    name: "digits",
    train: { x: applyScaler(scaler, tr.rows.flat()), rows: tr.rows.length, cols, y: labels(tr) },
    test: { x: applyScaler(scaler, te.rows.flat()), y: labels(te) },
    files: [],
  };
  return withNpy(d, dir);
}

/** 5 Gaussian blobs in 32 dimensions, overlapping enough that accuracy says something. */
export function synthetic(dir: string, rows: number, testRows: number, name = "synthetic"): Dataset {
  const rng = new Random(20240601);
  const cols = 32;
  const centres = Array.from({ length: 5 }, () => Array.from({ length: cols }, () => rng.uniform(-0.6, 0.6)));
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.nextFloat())) * Math.cos(2 * Math.PI * rng.nextFloat());
  const make = (n: number) => {
    const x = new Float32Array(n * cols);
    const y: number[] = [];
    for (let r = 0; r < n; r++) {
      const c = rng.int(5);
      y.push(c);
      for (let j = 0; j < cols; j++) x[r * cols + j] = ((centres[c] as number[])[j] as number) + gauss();
    }
    return { x, y };
  };
  const train = make(rows);
  const test = make(testRows);
  return withNpy({ name, train: { ...train, rows, cols }, test, files: [] }, dir);
}

/** Same rows for sklearn: float32 features and int32 labels as .npy (version 1.0 header). */
function withNpy(d: Dataset, dir: string): Dataset {
  const write = (name: string, data: Float32Array | Int32Array, shape: number[]) => {
    const descr = data instanceof Float32Array ? "<f4" : "<i4";
    let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
    header += `${" ".repeat(64 - ((10 + header.length + 1) % 64))}\n`;
    const pre = new Uint8Array(10);
    pre.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(pre.buffer).setUint16(8, header.length, true);
    const path = join(dir, `${d.name}_${name}.npy`);
    writeFileSync(path, Buffer.concat([pre, Buffer.from(header, "latin1"), new Uint8Array(data.buffer)]));
    return path;
  };
  const testRows = d.test.y.length;
  d.files = [
    write("X_train", d.train.x, [d.train.rows, d.train.cols]),
    write("y_train", Int32Array.from(d.train.y as number[]), [d.train.rows]),
    write("X_test", d.test.x, [testRows, d.train.cols]),
    write("y_test", Int32Array.from(d.test.y as number[]), [testRows]),
  ];
  return d;
}
