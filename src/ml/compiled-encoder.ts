/**
 * A feature spec compiled once per loaded model version: each feature becomes a small step that
 * reads one field of a row and writes its input columns at a fixed offset, with the scaler
 * constants, category lookup and missing-flag positions worked out in advance. Encoding a request
 * row then walks no spec and allocates nothing (when all is well). The matrix and the refusals are
 * exactly encodeRows's (src/ml/features.ts): the same float32 values to the bit, the same
 * FeatureError message and details for the same bad rows; test/ml/compiled-encoder.test.ts
 * compares the two.
 */
import { cyclicParts, dateWidth, fractionalYear, parseDate } from "./dates";
import {
  asBoolean,
  asNumber,
  type Feature,
  FeatureError,
  type FeatureSpec,
  fitsFloat32,
  hashText,
  hasMissingFlag,
  isMissing,
  type Row,
  widthOf,
} from "./features";

type Issue = { path: string; message: string };
/** Encodes cell `v` of row `r` at out[col …]; an unusable cell is pushed onto `issues`. */
type Step = (v: unknown, out: Float32Array, col: number, r: number, issues: Issue[]) => void;

export interface CompiledEncoder {
  /** input columns per row (the spec's width) */
  readonly width: number;
  /**
   * rows → out[0, rows × width), row-major, as encodeRows(spec, rows) would return it. `out` may
   * hold anything before (the used part is cleared first) and must have room for every row.
   */
  encode(rows: Row[], out: Float32Array): Float32Array;
}

/** The spec compiled; build it once per spec and reuse it for every request. */
export function compileEncoder(spec: FeatureSpec): CompiledEncoder {
  const names = spec.features.map((f) => f.name);
  const offsets: number[] = [];
  let col = 0;
  for (const f of spec.features) {
    offsets.push(col);
    col += widthOf(f);
  }
  const steps = spec.features.map(stepOf);
  const width = spec.width;
  const n = names.length;
  // encode is synchronous, so one list per encoder is never shared by two calls at once
  const issues: Issue[] = [];
  return {
    width,
    encode(rows, out) {
      const count = rows.length;
      if (out.length < count * width)
        throw new RangeError(`encode: room for ${out.length} values, ${count} rows given`);
      absentCheck(names, rows);
      out.fill(0, 0, count * width);
      issues.length = 0;
      for (let r = 0; r < count; r++) {
        const row = rows[r] as Row;
        const base = r * width;
        for (let k = 0; k < n; k++) {
          (steps[k] as Step)(row[names[k] as string], out, base + (offsets[k] as number), r, issues);
        }
      }
      if (issues.length) {
        const first = issues[0] as Issue;
        const error = new FeatureError(`${first.path}: ${first.message}`, issues.slice(0, 100));
        issues.length = 0;
        throw error;
      }
      return out;
    },
  };
}

/** encodeRows's refusal of fields absent from some row, listed in the spec's order. */
function absentCheck(names: string[], rows: Row[]): void {
  let absent: Set<string> | null = null;
  for (const name of names) {
    for (const row of rows) {
      if (!(name in row)) {
        absent ??= new Set();
        absent.add(name);
        break;
      }
    }
  }
  if (absent) {
    throw new FeatureError(`rows are missing required features: ${[...absent].join(", ")}`, [
      ...[...absent].map((name) => ({ path: name, message: "required feature missing" })),
    ]);
  }
}

function stepOf(f: Feature): Step {
  const name = f.name;
  switch (f.kind) {
    case "numeric": {
      const { mean, std } = f;
      const flag = hasMissingFlag(f);
      return (v, out, col, r, issues) => {
        const missing = isMissing(v);
        const x = missing ? mean : typeof v === "number" ? v : asNumber(v);
        if (x === undefined || !fitsFloat32(x) || !fitsFloat32((x - mean) / std)) {
          issues.push({
            path: `${r}.${name}`,
            message: `expected a finite number within the float32 range, got ${JSON.stringify(v)}`,
          });
        } else out[col] = (x - mean) / std;
        if (flag) out[col + 1] = missing ? 1 : 0;
      };
    }
    case "boolean": {
      const { rate } = f;
      const flag = hasMissingFlag(f);
      return (v, out, col, r, issues) => {
        const missing = isMissing(v);
        const b = missing ? undefined : asBoolean(v);
        if (!missing && b === undefined) {
          issues.push({ path: `${r}.${name}`, message: `expected true or false, got ${JSON.stringify(v)}` });
        }
        out[col] = b === undefined ? rate : b ? 1 : 0;
        if (flag) out[col + 1] = missing ? 1 : 0;
      };
    }
    case "categorical": {
      const at = new Map<string, number>();
      f.categories.forEach((c, i) => {
        if (!at.has(c)) at.set(c, i);
      });
      const unknown = f.categories.length;
      return (v, out, col) => {
        out[col + (isMissing(v) ? unknown : (at.get(String(v)) ?? unknown))] = 1;
      };
    }
    case "text": {
      const { dims } = f;
      return (v, out, col) => {
        if (!isMissing(v)) hashText(String(v), out, col, dims);
      };
    }
    case "date": {
      const { mean, std, time } = f;
      const flagAt = dateWidth(time);
      return (v, out, col, r, issues) => {
        const missing = isMissing(v);
        const d = missing ? undefined : parseDate(String(v));
        if (!missing && !d) {
          issues.push({
            path: `${r}.${name}`,
            message: `expected a date such as 2012-01-31, got ${JSON.stringify(v)}`,
          });
        }
        if (d) {
          out[col] = (fractionalYear(d.ms) - mean) / std;
          cyclicParts(d.ms, time, out, col + 1);
        }
        out[col + flagAt] = d ? 0 : 1;
      };
    }
  }
}
