/**
 * Date and datetime cells as model inputs. Only unambiguous ISO-style text is a date
 * (`2012-01-31`, `2012/01/31`, `2012-01-31T08:15`, `2012-01-31 08:15:00Z`): `01/02/2012` could be
 * January or February, so it stays text. A date becomes its year (standardised like a number)
 * and month, day of week, day of year and (for datetimes) hour of day on the unit circle, so
 * that December sits next to January and 23:00 next to midnight.
 */

const ISO =
  /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$/;

export interface ParsedDate {
  /** milliseconds since the epoch, the cell read as UTC unless it gives an offset */
  ms: number;
  /** the cell has a time of day */
  time: boolean;
}

/** The date in a cell, or undefined when the text is not an ISO-style date. */
export function parseDate(text: string): ParsedDate | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  let ms = Date.UTC(Number(y), month - 1, day, Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0));
  if (new Date(ms).getUTCDate() !== day) return undefined;
  if (zone && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return { ms, time: h !== undefined };
}

/** Input columns of a date: year, month sin/cos, weekday sin/cos, day-of-year sin/cos, then hour sin/cos for datetimes. */
export const dateWidth = (time: boolean) => (time ? 9 : 7);

/** The year of a date with its fraction (2012-07-01 ≈ 2012.5), the one column that is standardised. */
export function fractionalYear(ms: number): number {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const start = Date.UTC(y, 0, 1);
  return y + (ms - start) / (Date.UTC(y + 1, 0, 1) - start);
}

const TAU = 2 * Math.PI;

/** Writes the cyclic parts of a date (all but the year) at out[offset…]. */
export function cyclicParts(ms: number, time: boolean, out: Float32Array, offset: number): void {
  const d = new Date(ms);
  const month = d.getUTCMonth() / 12;
  const weekday = d.getUTCDay() / 7;
  const dayOfYear = (ms - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000 / 366;
  const parts = [month, weekday, dayOfYear];
  if (time) parts.push((d.getUTCHours() + d.getUTCMinutes() / 60) / 24);
  parts.forEach((p, k) => {
    out[offset + 2 * k] = Math.sin(TAU * p);
    out[offset + 2 * k + 1] = Math.cos(TAU * p);
  });
}
