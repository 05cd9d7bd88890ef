import { describe, expect, test } from "bun:test";
import { createLogger } from "../src/log";

function capture() {
  const lines: string[] = [];
  return { lines, log: createLogger("info", (line) => lines.push(line)) };
}

describe("log lines", () => {
  test("are one JSON object: time, level and msg first, then the fields in their order", () => {
    const { lines, log } = capture();
    const before = Date.now();
    log.info("request", { request_id: "r1", status: 200, user_agent: 'curl "x"\n', skipped: undefined, n: null });
    const line = lines[0] as string;
    expect(line).not.toContain("\n");
    const parsed = JSON.parse(line);
    expect(Object.keys(parsed)).toEqual(["time", "level", "msg", "request_id", "status", "user_agent", "n"]);
    expect(parsed).toMatchObject({ level: "info", msg: "request", request_id: "r1", status: 200, n: null });
    expect(parsed.user_agent).toBe('curl "x"\n');
    expect(Date.parse(parsed.time)).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(parsed.time)).toBeLessThanOrEqual(Date.now());
  });

  test("a message without fields, or with none left, is just the head", () => {
    const { lines, log } = capture();
    log.warn("plain");
    log.error("empty", {});
    log.info("gone", { x: undefined });
    expect(lines.map((l) => Object.keys(JSON.parse(l)))).toEqual([
      ["time", "level", "msg"],
      ["time", "level", "msg"],
      ["time", "level", "msg"],
    ]);
    expect(lines.map((l) => JSON.parse(l).level)).toEqual(["warn", "error", "info"]);
  });

  test("a field named like the head replaces it in place, as a spread would", () => {
    const { lines, log } = capture();
    log.info("original", { msg: "replaced", time: "then", extra: 1 });
    // once each in the text: a parser that keeps the first of two duplicate keys must read the same
    expect((lines[0] as string).match(/"msg":/g)).toHaveLength(1);
    expect((lines[0] as string).match(/"time":/g)).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toEqual({ time: "then", level: "info", msg: "replaced", extra: 1 });
    expect(Object.keys(JSON.parse(lines[0] as string))).toEqual(["time", "level", "msg", "extra"]);
  });

  test("lines below the level are dropped", () => {
    const { lines, log } = capture();
    log.debug("hidden", { a: 1 });
    expect(lines).toEqual([]);
  });
});
