/**
 * The one CSV writer of the service's exports (API and dashboard alike): every field escaped
 * the same way (RFC 4180 quoting), so a header and its rows always have as many fields, and
 * string cells a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first)
 * prefixed with `'` as OWASP's CSV-injection guidance says. Numbers stay numbers: `-1.5` is
 * written as it is, whether it came as a JSON number or as the text of a number.
 *
 * ```ts
 * csvTable(["name", "score"], [["=HYPERLINK(\"x\")", -1.5]]); // "name,score\n\"'=HYPERLINK(\"\"x\"\")\",-1.5\n"
 * ```
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** One field: null and undefined are empty, objects are JSON. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text = typeof value === "object" ? JSON.stringify(value) : String(value);
  if (typeof value !== "number" && FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A header line and one line per row, `\n`-terminated; every row must have the header's width. */
export function csvTable(header: readonly unknown[], rows: readonly (readonly unknown[])[]): string {
  const lines = [header, ...rows].map((fields, i) => {
    if (fields.length !== header.length) {
      throw new Error(`CSV row ${i} has ${fields.length} fields, the header ${header.length}`);
    }
    return fields.map(csvField).join(",");
  });
  return `${lines.join("\n")}\n`;
}
