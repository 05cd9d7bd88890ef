/**
 * The per-model feature spec: inferred from training rows (or given), saved with the model,
 * and applied identically at prediction. Each feature becomes one or more input columns:
 *   numeric     → standardised value, missing flag            (2 columns; missing imputed with the mean)
 *   boolean     → 0/1 value, missing flag                     (2 columns; missing imputed with the share of true)
 *                 a numeric or boolean column with no missing value in training gets no flag (1 column)
 *   categorical → one-hot over the seen values + "unknown"    (categories + 1 columns)
 *   text        → hashed word uni/bigrams and char trigrams, L2-normalised (dims columns)
 *   date        → standardised year, month/weekday/day-of-year(/hour) on the unit circle, missing flag (dates.ts)
 * Constant and ID-like columns are left out unless `kinds` names them (column-roles.ts); the spec lists them.
 */
import { columnFacts, type ExclusionReason, exclusionReason } from "./column-roles";
import { cyclicParts, dateWidth, fractionalYear, parseDate } from "./dates";
import {
  cellsOfNumeric,
  encodeNumeric,
  encodeRowsInPlace,
  firstUnfit,
  isNumericCells,
  type NumericCells,
  numberAt,
  numericFacts,
  numericMoments,
} from "./numeric-cells";

export type FeatureKind = "numeric" | "boolean" | "categorical" | "text" | "date";

export const FEATURE_KINDS: readonly FeatureKind[] = ["numeric", "boolean", "categorical", "text", "date"];

interface FeatureBase {
  name: string;
  kind: FeatureKind;
  /** rows seen at training, and how many of them had no value */
  count: number;
  missing: number;
}
/**
 * `flag: false` when training saw no missing value: the feature is one input column and a missing
 * value is only imputed. Absent means a flag column (every spec saved before the field was).
 */
interface Flagged {
  flag?: boolean;
}
export interface NumericFeature extends FeatureBase, Flagged {
  kind: "numeric";
  mean: number;
  std: number;
}
export interface BooleanFeature extends FeatureBase, Flagged {
  kind: "boolean";
  /** share of true values among present ones */
  rate: number;
}
export interface CategoricalFeature extends FeatureBase {
  kind: "categorical";
  categories: string[];
}
export interface TextFeature extends FeatureBase {
  kind: "text";
  dims: number;
}
export interface DateFeature extends FeatureBase {
  kind: "date";
  /** mean and std of the fractional year (the other parts are cyclic) */
  mean: number;
  std: number;
  /** the cells have a time of day: hour sin/cos columns too */
  time: boolean;
}
export type Feature = NumericFeature | BooleanFeature | CategoricalFeature | TextFeature | DateFeature;

export interface FeatureSpec {
  version: 1;
  features: Feature[];
  /** total input columns of the network */
  width: number;
  /** columns left out by default (absent in specs saved before they were) */
  excluded?: { name: string; reason: ExclusionReason }[];
}

export type Row = Record<string, unknown>;

export class FeatureError extends Error {
  override name = "FeatureError";
  constructor(
    message: string,
    readonly details: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

/** Hash buckets of a text feature. */
export const TEXT_DIMS = 256;
/** A string column with at most this many distinct values (and short values) is categorical. */
const MAX_CATEGORIES = 100;

export const isMissing = (v: unknown) =>
  v === null ||
  v === undefined ||
  (typeof v === "string" && v.trim() === "") ||
  (typeof v === "number" && Number.isNaN(v));

const BOOL_WORDS: Record<string, boolean> = { true: true, false: false, yes: true, no: false };

/** A boolean cell as encodeRows reads it (true/false, yes/no strings); undefined when not one. */
export function asBoolean(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (typeof v === "string") return BOOL_WORDS[v.trim().toLowerCase()];
  return undefined;
}

/** A numeric cell as encodeRows reads it (numbers, numeric strings); undefined when not one. */
export function asNumber(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}

/** The largest finite float32: features are encoded as float32, and a larger value becomes Infinity. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** Whether a value survives float32 encoding as a finite number. */
export const fitsFloat32 = (x: number) => Math.abs(x) <= FLOAT32_MAX;

/**
 * JSON numbers in `rows` that are not finite or do not fit a float32, as issues at
 * `<prefix>.<row>.<field>`: a model cannot see them, so they are refused rather than answered
 * with NaN. (Numeric strings are checked against the feature spec, by encodeRows.)
 */
export function unrepresentableNumbers(rows: Row[], prefix: string): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  rows.forEach((row, i) => {
    for (const k in row) {
      const v = row[k];
      if (typeof v === "number" && !fitsFloat32(v)) {
        issues.push({
          path: `${prefix}.${i}.${k}`,
          message: Number.isFinite(v)
            ? `${v} is beyond the float32 range (±${FLOAT32_MAX.toPrecision(3)})`
            : "not a finite number",
        });
      }
    }
  });
  return issues;
}

/** The kind a column's present values suggest. */
export function inferKind(values: unknown[]): FeatureKind {
  const present = values.filter((v) => !isMissing(v));
  if (present.length === 0) return "numeric";
  if (present.every((v) => asBoolean(v) !== undefined)) return "boolean";
  if (present.every((v) => asNumber(v) !== undefined)) return "numeric";
  if (present.every((v) => typeof v === "string" && parseDate(v) !== undefined)) return "date";
  const distinct = new Set(present.map(String));
  const long = present.filter((v) => String(v).includes(" ") || String(v).length > 40).length;
  if (distinct.size <= MAX_CATEGORIES && long < present.length / 2) return "categorical";
  return "text";
}

/** Whether a numeric or boolean feature has a missing-flag input column after its value. */
export const hasMissingFlag = (f: NumericFeature | BooleanFeature) => f.flag !== false;

/** The spec's `flag` field for a feature whose training cells had `missing` missing values. */
const flagOf = (missing: number): Flagged => (missing > 0 ? {} : { flag: false });

/** How many input columns of the network a feature takes. */
export function widthOf(f: Feature): number {
  switch (f.kind) {
    case "numeric":
    case "boolean":
      return hasMissingFlag(f) ? 2 : 1;
    case "categorical":
      return f.categories.length + 1;
    case "text":
      return f.dims;
    case "date":
      return dateWidth(f.time) + 1;
  }
}

/**
 * Builds the spec from training rows. `names` are the feature fields in order; `kinds`
 * overrides inference per field. A value of a wrong type for a numeric field is an error
 * naming the row and field.
 */
export function inferSpec(rows: Row[], names: string[], kinds: Partial<Record<string, FeatureKind>> = {}): FeatureSpec {
  return inferSpecOf(rows.length, (name) => rows.map((r) => r[name]), names, kinds);
}

/**
 * inferSpec over columns: `valuesOf(name)` gives one column's cells (numbers, strings, null), or
 * a numeric column as typed arrays, which is read as they are (numeric-cells.ts).
 */
export function inferSpecOf(
  count: number,
  valuesOf: (name: string) => unknown[] | NumericCells,
  names: string[],
  kinds: Partial<Record<string, FeatureKind>> = {},
): FeatureSpec {
  const excluded: { name: string; reason: ExclusionReason }[] = [];
  const features: Feature[] = [];
  const scratch = { sorted: new Float64Array(0) };
  for (const name of names) {
    const cells = valuesOf(name);
    const given = kinds[name];
    if (isNumericCells(cells) && (given === undefined || given === "numeric")) {
      const reason = given ? null : exclusionReason(numericFacts(cells, scratch));
      if (reason) excluded.push({ name, reason });
      else features.push(numericFeatureOf(name, cells, count));
      continue;
    }
    const values = isNumericCells(cells) ? cellsOfNumeric(cells) : cells;
    if (!given) {
      const reason = exclusionReason(columnFacts(values, isMissing));
      if (reason) {
        excluded.push({ name, reason });
        continue;
      }
    }
    features.push(featureOf(name, values, given ?? inferKind(values), count));
  }
  return { version: 1, features, width: features.reduce((s, f) => s + widthOf(f), 0), excluded };
}

/** featureOf's numeric feature from typed cells. */
function numericFeatureOf(name: string, cells: NumericCells, count: number): NumericFeature {
  const m = numericMoments(cells, fitsFloat32);
  if (m.bad >= 0) {
    throw new FeatureError(
      `row ${m.bad}: ${name} must be a finite float32 number, got ${JSON.stringify(numberAt(cells, m.bad))}`,
      [{ path: `${m.bad}.${name}`, message: "expected a finite number" }],
    );
  }
  return { name, count, missing: m.missing, kind: "numeric", mean: m.mean, std: m.std, ...flagOf(m.missing) };
}

function featureOf(name: string, values: unknown[], kind: FeatureKind, count: number): Feature {
  const missing = values.filter(isMissing).length;
  const base = { name, count, missing };
  if (kind === "numeric") {
    let sum = 0;
    let n = 0;
    values.forEach((v, i) => {
      if (isMissing(v)) return;
      const x = asNumber(v);
      if (x === undefined || !fitsFloat32(x)) {
        throw new FeatureError(`row ${i}: ${name} must be a finite float32 number, got ${JSON.stringify(v)}`, [
          { path: `${i}.${name}`, message: "expected a finite number" },
        ]);
      }
      sum += x;
      n++;
    });
    const mean = n ? sum / n : 0;
    let sq = 0;
    for (const v of values) if (!isMissing(v)) sq += ((asNumber(v) as number) - mean) ** 2;
    const std = n ? Math.sqrt(sq / n) : 0;
    // sklearn's StandardScaler leaves constant columns unscaled (scale 1)
    return { ...base, kind, mean, std: std > 0 ? std : 1, ...flagOf(missing) };
  }
  if (kind === "boolean") {
    const present = values.filter((v) => !isMissing(v));
    const trues = present.filter((v) => asBoolean(v) === true).length;
    return { ...base, kind, rate: present.length ? trues / present.length : 0, ...flagOf(missing) };
  }
  if (kind === "categorical") {
    const categories = [...new Set(values.filter((v) => !isMissing(v)).map((v) => String(v)))].sort();
    return { ...base, kind, categories };
  }
  if (kind === "date") return dateFeature(base, values);
  return { ...base, kind: "text", dims: TEXT_DIMS };
}

function dateFeature(base: { name: string; count: number; missing: number }, values: unknown[]): DateFeature {
  const years: number[] = [];
  let time = false;
  values.forEach((v, i) => {
    if (isMissing(v)) return;
    const d = parseDate(String(v));
    if (!d) {
      throw new FeatureError(`row ${i}: ${base.name} must be a date such as 2012-01-31, got ${JSON.stringify(v)}`, [
        { path: `${i}.${base.name}`, message: "expected an ISO date" },
      ]);
    }
    time ||= d.time;
    years.push(fractionalYear(d.ms));
  });
  const mean = years.length ? years.reduce((a, b) => a + b, 0) / years.length : 0;
  const std = years.length ? Math.sqrt(years.reduce((a, y) => a + (y - mean) ** 2, 0) / years.length) : 0;
  return { ...base, kind: "date", mean, std: std > 0 ? std : 1, time };
}

/** FNV-1a, 32 bit: stable across platforms and versions, which a saved spec needs. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Adds a text cell's hashed grams into out[offset, offset + dims) and L2-normalises them. */
export function hashText(text: string, out: Float32Array, offset: number, dims: number): void {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const grams: string[] = [...words.map((w) => `w:${w}`)];
  for (let i = 0; i + 1 < words.length; i++) grams.push(`b:${words[i]} ${words[i + 1]}`);
  for (const w of words) {
    const padded = ` ${w} `;
    for (let i = 0; i + 3 <= padded.length; i++) grams.push(`c:${padded.slice(i, i + 3)}`);
  }
  for (const g of grams) {
    const h = fnv1a(g);
    // the top bit picks a sign so that collisions cancel out on average
    const idx = offset + (h % dims);
    out[idx] = (out[idx] as number) + (h & 0x80000000 ? -1 : 1);
  }
  let norm = 0;
  for (let j = offset; j < offset + dims; j++) norm += (out[j] as number) ** 2;
  if (norm > 0) for (let j = offset; j < offset + dims; j++) out[j] = (out[j] as number) / Math.sqrt(norm);
}

/**
 * rows → rows×spec.width matrix, row-major. A field absent from a row is an error listing every
 * such field; null/empty values are missing and imputed; unseen categories go to "unknown".
 */
export function encodeRows(spec: FeatureSpec, rows: Row[]): Float32Array {
  const absent = new Set<string>();
  for (const f of spec.features) if (rows.some((r) => !(f.name in r))) absent.add(f.name);
  if (absent.size) {
    throw new FeatureError(`rows are missing required features: ${[...absent].join(", ")}`, [
      ...[...absent].map((name) => ({ path: name, message: "required feature missing" })),
    ]);
  }
  return encodeWith(
    spec,
    rows.length,
    spec.features.map((f) => (r: number) => (rows[r] as Row)[f.name]),
  );
}

/**
 * encodeRows over columns (the data reader's tables): `valuesOf(name)` gives one column's cells
 * (numbers with NaN for missing, strings, null) or a numeric column as typed arrays. A column it
 * lacks is an error naming it. A numeric column is encoded whole and then handed to `done`, so
 * that the caller may drop it before the next one is encoded.
 */
export function encodeColumns(
  spec: FeatureSpec,
  count: number,
  valuesOf: (name: string) => ArrayLike<unknown> | NumericCells | undefined,
  done: (name: string) => void = () => {},
): Float32Array {
  const columns = spec.features.map((f) => valuesOf(f.name));
  const absent = spec.features.filter((_, k) => columns[k] === undefined).map((f) => f.name);
  if (absent.length) {
    throw new FeatureError(
      `the data is missing required features: ${absent.join(", ")}`,
      absent.map((name) => ({ path: name, message: "required feature missing" })),
    );
  }
  const out = new Float32Array(count * spec.width);
  const skip = spec.features.map(() => false);
  let col = 0;
  spec.features.forEach((f, k) => {
    const c = columns[k];
    if (f.kind === "numeric" && isNumericCells(c)) {
      const bad = encodeNumeric(c, f, out, spec.width, col, fitsFloat32);
      if (bad >= 0) throw unfit(c, f.name, bad);
      skip[k] = true;
      columns[k] = undefined;
      done(f.name);
    } else if (isNumericCells(c)) columns[k] = cellsOfNumeric(c);
    col += widthOf(f);
  });
  if (skip.every(Boolean)) return out;
  return encodeWith(
    spec,
    count,
    columns.map((c) => (r: number) => (c as ArrayLike<unknown>)[r]),
    out,
    skip,
  );
}

function unfit(c: NumericCells, name: string, row: number): FeatureError {
  const path = `${row}.${name}`;
  const message = `expected a finite number within the float32 range, got ${JSON.stringify(numberAt(c, row))}`;
  return new FeatureError(`${path}: ${message}`, [{ path, message }]);
}

/**
 * encodeColumns written over the reader's row-major block itself (the training loader's float32
 * columns, strided views of one array): the file's numbers and the matrix are then never held at
 * once. The same matrix and refusals as encodeColumns, and the block is spent. Null, touching
 * nothing, unless every feature is numeric, every column a view of the same block with one row
 * per data row, and the matrix's rows no wider than the block's: encodeColumns then.
 */
export function encodeInPlace(
  spec: FeatureSpec,
  count: number,
  valuesOf: (name: string) => ArrayLike<unknown> | NumericCells | undefined,
): Float32Array | null {
  const numeric: NumericFeature[] = [];
  for (const f of spec.features) if (f.kind === "numeric") numeric.push(f);
  if (numeric.length === 0 || numeric.length < spec.features.length) return null;
  const cells: NumericCells[] = [];
  for (const f of numeric) {
    const c = valuesOf(f.name);
    if (!isNumericCells(c) || !(c.values instanceof Float32Array) || c.missing.length !== count) return null;
    cells.push(c);
  }
  const block = (cells[0] as NumericCells).values as Float32Array;
  const stride = (cells[0] as NumericCells).stride ?? 1;
  if (spec.width > stride || cells.some((c) => c.values !== block || (c.stride ?? 1) !== stride)) return null;
  if (block.length < count * stride) return null;
  numeric.forEach((f, k) => {
    const c = cells[k] as NumericCells;
    const bad = firstUnfit(c, f, fitsFloat32);
    if (bad >= 0) throw unfit(c, f.name, bad);
  });
  return encodeRowsInPlace(cells, numeric, block, stride, spec.width);
}

/** Row by row into `out` (a fresh matrix by default), leaving out the features `skip` marks. */
function encodeWith(
  spec: FeatureSpec,
  count: number,
  cells: ((r: number) => unknown)[],
  out = new Float32Array(count * spec.width),
  skip: boolean[] = [],
): Float32Array {
  const issues: { path: string; message: string }[] = [];
  for (let r = 0; r < count; r++) {
    let col = r * spec.width;
    for (let k = 0; k < spec.features.length; k++) {
      const f = spec.features[k] as Feature;
      if (skip[k]) {
        col += widthOf(f);
        continue;
      }
      const v = (cells[k] as (r: number) => unknown)(r);
      const missing = isMissing(v);
      switch (f.kind) {
        case "numeric": {
          const x = missing ? f.mean : asNumber(v);
          if (x === undefined || !fitsFloat32(x) || !fitsFloat32((x - f.mean) / f.std)) {
            issues.push({
              path: `${r}.${f.name}`,
              message: `expected a finite number within the float32 range, got ${JSON.stringify(v)}`,
            });
          } else out[col] = (x - f.mean) / f.std;
          if (hasMissingFlag(f)) out[col + 1] = missing ? 1 : 0;
          break;
        }
        case "boolean": {
          const b = missing ? undefined : asBoolean(v);
          if (!missing && b === undefined) {
            issues.push({ path: `${r}.${f.name}`, message: `expected true or false, got ${JSON.stringify(v)}` });
          }
          out[col] = b === undefined ? f.rate : b ? 1 : 0;
          if (hasMissingFlag(f)) out[col + 1] = missing ? 1 : 0;
          break;
        }
        case "categorical": {
          const at = missing ? -1 : f.categories.indexOf(String(v));
          out[col + (at < 0 ? f.categories.length : at)] = 1;
          break;
        }
        case "text":
          if (!missing) hashText(String(v), out, col, f.dims);
          break;
        case "date": {
          const d = missing ? undefined : parseDate(String(v));
          if (!missing && !d)
            issues.push({
              path: `${r}.${f.name}`,
              message: `expected a date such as 2012-01-31, got ${JSON.stringify(v)}`,
            });
          if (d) {
            out[col] = (fractionalYear(d.ms) - f.mean) / f.std;
            cyclicParts(d.ms, f.time, out, col + 1);
          }
          out[col + dateWidth(f.time)] = d ? 0 : 1;
          break;
        }
      }
      col += widthOf(f);
    }
  }
  if (issues.length) {
    const first = issues[0] as { path: string; message: string };
    throw new FeatureError(`${first.path}: ${first.message}`, issues.slice(0, 100));
  }
  return out;
}

/** The numeric value of a field as the drift baseline sees it (undefined when missing or not numeric). */
export function numericValue(f: Feature, v: unknown): number | undefined {
  if (isMissing(v)) return undefined;
  if (f.kind === "numeric") return asNumber(v);
  if (f.kind === "boolean") {
    const b = asBoolean(v);
    return b === undefined ? undefined : b ? 1 : 0;
  }
  return undefined;
}
