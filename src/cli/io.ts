import { flushStdout } from "../log";

/** What a CLI command may touch: its output streams and the environment it was started with. */
export interface Io {
  /** one line of standard output (no trailing newline needed) */
  out(line: string): void;
  /** one line of standard error */
  err(line: string): void;
  /** raw write to standard output without a newline (progress bars) */
  write(text: string): void;
  /** true when standard output is a terminal (progress bars, colours) */
  isTTY: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** Exit codes scripts can rely on; drift-check adds 10 (drift found) and 11 (undecided). */
export const EXIT = { ok: 0, failure: 1, usage: 2, config: 3 } as const;

/** Log lines still waiting go first, so that stdout keeps the order things happened in. */
export const processIo: Io = {
  out: (line) => {
    flushStdout();
    process.stdout.write(`${line}\n`);
  },
  err: (line) => process.stderr.write(`${line}\n`),
  write: (text) => {
    flushStdout();
    process.stdout.write(text);
  },
  isTTY: Boolean(process.stdout.isTTY),
  env: process.env,
  cwd: process.cwd(),
};

/** Parses `--name value` and `--flag` arguments; unknown options are reported, not ignored. */
export function parseArgs(
  args: string[],
  spec: { values?: readonly string[]; flags?: readonly string[] },
): { values: Record<string, string>; flags: Set<string>; positional: string[]; unknown: string[] } {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  const positional: string[] = [];
  const unknown: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split("=", 2) as [string, string | undefined];
    if (spec.flags?.includes(name)) flags.add(name);
    else if (spec.values?.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined) unknown.push(`--${name} needs a value`);
      else values[name] = value;
    } else unknown.push(`unknown option --${name}`);
  }
  return { values, flags, positional, unknown };
}
