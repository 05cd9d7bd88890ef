/**
 * A data set's profile: per column the kind training will infer, how many cells are missing,
 * whether it is left out by default, and each decision as a plain-language warning. Built by
 * a sink that counts as the file streams in (no cell is kept beyond what the decision needs),
 * so an upload profiles a large file in bounded memory. The rules are features.ts's inferKind
 * and column-roles.ts's, on the same cells.
 */
import { type ExclusionReason, exclusionReason, exclusionWarning, isSequenceSpan } from "../../ml/column-roles";
import { parseDate } from "../../ml/dates";
import type { FeatureKind } from "../../ml/features";
import { type CellSink, MISSING_TOKENS, parseNumberText } from "./cells";
import type { Scan, TableFormat } from "./table";

/** the most distinct values a categorical column may have (features.ts MAX_CATEGORIES) */
const MAX_CATEGORIES = 100;
const BOOL_WORDS = new Set(["true", "false", "yes", "no"]);

export interface ColumnProfile {
  name: string;
  kind: FeatureKind;
  missing: number;
  /** distinct present values, or MAX_CATEGORIES + 1 meaning "more than MAX_CATEGORIES" */
  distinct: number;
  excluded: ExclusionReason | null;
  warnings: string[];
}

export interface DatasetProfile {
  format: TableFormat;
  delimiter: string | null;
  gzip: boolean;
  rows: number;
  columns: ColumnProfile[];
  warnings: string[];
}

export class ColumnProfiler implements CellSink {
  readonly name: string;
  isNumeric = true;
  #rows = 0;
  #missing = 0;
  #seen = new Set<string | number>();
  #allDistinct = true;
  #allInteger = true;
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;
  #allBool = true;
  #allDate = true;
  #time = false;
  #long = 0;

  constructor(name: string) {
    this.name = name;
  }

  addMissing(): void {
    this.#rows++;
    this.#missing++;
  }

  addNumber(x: number): void {
    if (!this.isNumeric) {
      this.addText(String(x));
      return;
    }
    this.#rows++;
    this.#allBool = false;
    this.#allDate = false;
    if (!Number.isInteger(x)) this.#allInteger = false;
    if (x < this.#min) this.#min = x;
    if (x > this.#max) this.#max = x;
    this.#note(x);
  }

  addText(text: string): void {
    const t = text.trim();
    if (MISSING_TOKENS.has(t)) {
      this.addMissing();
      return;
    }
    if (this.isNumeric) {
      const x = parseNumberText(t);
      if (!Number.isNaN(x)) {
        this.addNumber(x);
        return;
      }
      this.isNumeric = false;
      this.#allInteger = false;
      this.#seen = new Set([...this.#seen].map(String));
    }
    this.#rows++;
    if (this.#allBool && !BOOL_WORDS.has(t.toLowerCase())) this.#allBool = false;
    if (this.#allDate) {
      const d = parseDate(t);
      if (d) this.#time ||= d.time;
      else this.#allDate = false;
    }
    if (t.includes(" ") || t.length > 40) this.#long++;
    this.#note(t);
  }

  /** Distinct values: all of them while none repeats (an ID has to be told), else the first few. */
  #note(v: string | number): void {
    if (this.#seen.has(v)) {
      if (this.#allDistinct) {
        this.#allDistinct = false;
        if (this.#seen.size > MAX_CATEGORIES + 1) this.#seen = new Set([...this.#seen].slice(0, MAX_CATEGORIES + 1));
      }
      return;
    }
    if (this.#allDistinct && typeof v === "number" && !Number.isInteger(v)) {
      // unique measurements are not IDs: stop keeping every one
      this.#allDistinct = false;
      if (this.#seen.size > MAX_CATEGORIES + 1) this.#seen = new Set([...this.#seen].slice(0, MAX_CATEGORIES + 1));
    }
    if (this.#allDistinct || this.#seen.size <= MAX_CATEGORIES) this.#seen.add(v);
  }

  finish(): ColumnProfile {
    const present = this.#rows - this.#missing;
    const distinct = this.#allDistinct ? this.#seen.size : Math.min(this.#seen.size, MAX_CATEGORIES + 1);
    let kind: FeatureKind;
    if (present === 0) kind = "numeric";
    else if (this.#allBool) kind = "boolean";
    else if (this.isNumeric) kind = "numeric";
    else if (this.#allDate) kind = "date";
    else if (distinct <= MAX_CATEGORIES && this.#long < present / 2) kind = "categorical";
    else kind = "text";
    const excluded = exclusionReason({
      rows: this.#rows,
      missing: this.#missing,
      distinct,
      numeric: this.isNumeric,
      sequenceLike: this.isNumeric && this.#allInteger && isSequenceSpan(this.#min, this.#max, present),
      prose: !this.isNumeric && this.#long >= present / 2,
    });
    const warnings: string[] = [];
    const name = `"${this.name}"`;
    if (excluded) warnings.push(exclusionWarning(this.name, excluded));
    else {
      if (this.#missing > 0) {
        warnings.push(
          `${name}: ${this.#missing} of ${this.#rows} cells are missing (empty, NA, ?, null…); ` +
            (kind === "numeric" || kind === "boolean" || kind === "date"
              ? "they are imputed and flagged"
              : "they count as their own value"),
        );
      }
      if (kind === "date")
        warnings.push(
          `${name} read as ${this.#time ? "date-times" : "dates"}: becomes year, month, weekday and day of year${this.#time ? " and hour" : ""}`,
        );
      if (kind === "text")
        warnings.push(`${name} has over ${MAX_CATEGORIES} distinct values or long text: hashed as text (words)`);
    }
    return { name: this.name, kind, missing: this.#missing, distinct, excluded, warnings };
  }
}

/** The profile of a scan whose sinks were ColumnProfilers. */
export function datasetProfile(scan: Scan<ColumnProfiler>): DatasetProfile {
  const columns = scan.sinks.map((s) => s.finish());
  const warnings: string[] = [];
  if (scan.delimiter && scan.delimiter !== ",") {
    const shown = scan.delimiter === "\t" ? "tab" : `"${scan.delimiter}"`;
    warnings.push(`values are separated by ${shown} (sniffed from the first lines)`);
  }
  if (scan.gzip) warnings.push("the file is gzip-compressed; it is read decompressed");
  for (const c of columns) warnings.push(...c.warnings);
  return { format: scan.format, delimiter: scan.delimiter, gzip: scan.gzip, rows: scan.rows, columns, warnings };
}
