/** The shared iris/digits sets, standardised with the training split's mean and spread. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseCsv } from "../../src/ml/csv";
import { applyScaler, fitScaler } from "../../src/ml/scale";

const DATA = join(import.meta.dir, "../../../shared/data");

export function loadPair(name: string, target: string) {
  const read = (part: string) =>
    parseCsv(readFileSync(join(DATA, `${name}_${part}.csv`), "utf8"), { textColumns: [target] });
  const train = read("train");
  const test = read("test");
  const cols = train.columns.length;
  const scaler = fitScaler(train.rows.flat(), cols);
  return {
    train: {
      x: applyScaler(scaler, train.rows.flat()),
      rows: train.rows.length,
      cols,
      y: train.text[target] as string[],
    },
    test: { x: applyScaler(scaler, test.rows.flat()), y: test.text[target] as string[] },
  };
}
