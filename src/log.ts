/**
 * The one logger: JSON lines on stdout (`{"time","level","msg",...fields}`), so journald,
 * Docker and log shippers read them as they are. Fields never hold secrets: callers pass
 * summaries, and `redacted()` config.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** A logger writing lines at or above `level` to `sink` (stdout by default). */
export function createLogger(level: LogLevel = "info", sink: (line: string) => void = writeStdout): Logger {
  const at =
    (lvl: LogLevel) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (RANK[lvl] < RANK[level]) return;
      sink(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields }));
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

function writeStdout(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** A logger that drops everything (tests, CLI commands that print their own output). */
export const silentLogger: Logger = createLogger("error", () => {});
