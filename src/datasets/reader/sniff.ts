/**
 * Which of `,` `;` tab `|` separates a CSV's fields, judged on its first lines: the candidate
 * found on the header and the same number of times on every following line wins (the most
 * columns on a tie). A header with none of them is refused: with another repeated separator
 * (`:` or spaces) as an unknown delimiter, otherwise as a one-column file, which no model can
 * train on.
 */
import { csvRefusal } from "../csv-check";

export const DELIMITERS = [",", ";", "\t", "|"] as const;
const OTHERS = [":", "^", "~", "#", "/", " "];
const QUOTE = 0x22;
const LINES = 20;

const shown = (d: string) => (d === "\t" ? "tab" : d === " " ? "space" : `"${d}"`);

/** Per line (outside quotes), how often each of `chars` occurs; only whole lines unless `final`. */
function countPerLine(sample: Uint8Array, chars: readonly string[], final: boolean): number[][] {
  const codes = chars.map((c) => c.charCodeAt(0));
  const lines: number[][] = [];
  let counts = codes.map(() => 0);
  let quoted = false;
  for (let i = 0; i < sample.length && lines.length < LINES; i++) {
    const b = sample[i] as number;
    if (b === QUOTE) quoted = !quoted;
    else if (quoted) continue;
    else if (b === 0x0a || b === 0x0d) {
      if (counts.some((c) => c > 0) || lines.length === 0) lines.push(counts);
      counts = codes.map(() => 0);
      if (b === 0x0d && sample[i + 1] === 0x0a) i++;
    } else {
      const k = codes.indexOf(b);
      if (k >= 0) counts[k] = (counts[k] as number) + 1;
    }
  }
  if (final && lines.length < LINES && counts.some((c) => c > 0)) lines.push(counts);
  return lines;
}

/** The delimiter of a CSV from its first bytes (`final`: the sample is the whole file). */
export function sniffDelimiter(sample: Uint8Array, final: boolean): string {
  const lines = countPerLine(sample, DELIMITERS, final);
  const header = lines[0] ?? DELIMITERS.map(() => 0);
  let best = -1;
  let bestScore = 0;
  DELIMITERS.forEach((_, k) => {
    const n = header[k] as number;
    if (n === 0) return;
    const consistent = lines.every((l) => l[k] === n);
    const score = (consistent ? 1e6 : 0) + n;
    if (best < 0 || score > bestScore) {
      best = k;
      bestScore = score;
    }
  });
  if (best >= 0) return DELIMITERS[best] as string;
  const other = countPerLine(sample, OTHERS, final);
  const otherHeader = other[0] ?? [];
  const k = OTHERS.findIndex((_, j) => (otherHeader[j] as number) > 0 && other.every((l) => l[j] === otherHeader[j]));
  if (k >= 0) {
    const d = OTHERS[k] as string;
    throw csvRefusal(
      `unknown delimiter: the lines look separated by ${shown(d)}, but only , ; tab and | are read`,
      { row: 0, line: 1 },
      { delimiter: d, problem: "unknown_delimiter" },
    );
  }
  throw csvRefusal(
    "the header has a single column: no , ; tab or | separates the values (a data set needs a target and a feature)",
    { row: 0, line: 1 },
    { problem: "one_column" },
  );
}
