/**
 * A small numeric CSV reader: a header row, comma separated, RFC 4180 quoting ("a,b", "say ""hi""").
 * Every column must hold numbers except those named in `textColumns` (labels such as iris species),
 * which are returned as strings. A richer dataset module (categorical encoders, types) may replace it.
 */

export interface NumericCsv {
  /** names of the numeric columns, in file order; rows[i][j] belongs to columns[j] */
  columns: string[];
  rows: number[][];
  /** raw values of each requested text column, one per row */
  text: Record<string, string[]>;
}

export class CsvError extends Error {
  override name = "CsvError";
}

/** Split CSV text into records of raw fields (quotes removed); blank lines are skipped. */
export function parseRecords(input: string): string[][] {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  let wasQuoted = false;
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const endRecord = () => {
    record.push(field);
    if (record.length > 1 || record[0] !== "" || wasQuoted) records.push(record);
    record = [];
    field = "";
    wasQuoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') {
      quoted = true;
      wasQuoted = true;
    } else if (ch === ",") {
      record.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      endRecord();
    } else field += ch;
  }
  if (quoted) throw new CsvError(`line ${records.length + 1}: a quoted field is not closed`);
  if (field !== "" || record.length > 0) endRecord();
  return records;
}

export function parseCsv(input: string, opts: { textColumns?: string[] } = {}): NumericCsv {
  const [header, ...body] = parseRecords(input);
  if (!header) throw new CsvError("the CSV is empty: expected a header row");
  const names = header.map((h) => h.trim());
  const seen = new Set<string>();
  for (const [j, name] of names.entries()) {
    if (name === "") throw new CsvError(`header: column ${j + 1} has no name`);
    if (seen.has(name)) throw new CsvError(`header: column "${name}" appears twice`);
    seen.add(name);
  }
  const textNames = opts.textColumns ?? [];
  for (const t of textNames)
    if (!seen.has(t)) throw new CsvError(`no column named "${t}" (columns: ${names.join(", ")})`);
  const isText = names.map((n) => textNames.includes(n));
  const columns = names.filter((_, j) => !isText[j]);
  const text: Record<string, string[]> = Object.fromEntries(textNames.map((t) => [t, [] as string[]]));
  const rows: number[][] = [];
  body.forEach((record, i) => {
    // Data row i is file line i + 2 when no field spans lines; name it both ways for the reader.
    const where = `row ${i + 1} (line ${i + 2})`;
    if (record.length !== names.length)
      throw new CsvError(`${where}: ${record.length} fields, but the header has ${names.length}`);
    const row: number[] = [];
    record.forEach((raw, j) => {
      const name = names[j] as string;
      const value = raw.trim();
      if (isText[j]) {
        if (value === "") throw new CsvError(`${where}, column "${name}": missing value`);
        (text[name] as string[]).push(value);
        return;
      }
      if (value === "") throw new CsvError(`${where}, column "${name}": missing value`);
      const v = Number(value);
      if (!Number.isFinite(v)) throw new CsvError(`${where}, column "${name}": "${raw}" is not a finite number`);
      row.push(v);
    });
    rows.push(row);
  });
  return { columns, rows, text };
}
