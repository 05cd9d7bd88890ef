/**
 * The one logger: JSON lines on stdout (`{"time","level","msg",...fields}`), so journald,
 * Docker and log shippers read them as they are. Fields never hold secrets: callers pass
 * summaries, and `redacted()` config.
 */
import { writeSync } from "node:fs";
import { isoPerMillisecond } from "./iso-time";

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
      sink(logLine(lvl, msg, fields));
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

const isoText = isoPerMillisecond();

/** The clock as ISO text (at 10,000 access lines a second, ten lines share each millisecond's). */
const timeText = (): string => isoText(Date.now());

/**
 * `{"time","level","msg",...fields}` as JSON text. The fields are serialised as they are and
 * joined to the head, rather than spread into a new object first (an access line per request made
 * that copy a measurable share of serving). A field named like the head keeps the old meaning:
 * its value replaces the head's, in the head's place.
 */
function logLine(level: LogLevel, msg: string, fields: Record<string, unknown> | undefined): string {
  if (fields === undefined) return JSON.stringify({ time: timeText(), level, msg });
  if ("time" in fields || "level" in fields || "msg" in fields)
    return JSON.stringify({ time: timeText(), level, msg, ...fields });
  const rest = JSON.stringify(fields);
  // fields with a toJSON of their own that is not an object: as before, whatever the spread gives
  if (rest === undefined || rest[0] !== "{") return JSON.stringify({ time: timeText(), level, msg, ...fields });
  const head = `{"time":"${timeText()}","level":"${level}","msg":${JSON.stringify(msg)}`;
  return rest === "{}" ? `${head}}` : `${head},${rest.slice(1)}`;
}

/**
 * Lines wait for the end of the event loop's turn and leave in one write: under load an access
 * line per request cost a system call each (a tenth of a serving process's CPU in the profile).
 * What is pending is written synchronously when the process exits.
 */
let pending: string[] = [];
let flushQueued = false;

function writeStdout(line: string): void {
  pending.push(line);
  if (flushQueued) return;
  flushQueued = true;
  setImmediate(flushStdout);
}

/** The lines waiting, as one text to write; none are waiting after. */
function takePending(): string | null {
  if (pending.length === 0) return null;
  const text = `${pending.join("\n")}\n`;
  pending = [];
  return text;
}

/** Writes the lines still waiting (the logger does this itself each turn of the event loop). */
export function flushStdout(): void {
  flushQueued = false;
  const text = takePending();
  if (text !== null) process.stdout.write(text);
}

process.on("exit", () => {
  const text = takePending();
  if (text === null) return;
  try {
    writeSync(1, text);
  } catch {
    // stdout closed: nothing left to tell
  }
});

/** A logger that drops everything (tests, CLI commands that print their own output). */
export const silentLogger: Logger = createLogger("error", () => {});
