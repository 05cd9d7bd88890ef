import { afterEach, describe, expect, test } from "bun:test";
import { writeSync } from "node:fs";
import { onNativeOutput, withNativeOutputCaptured } from "../../src/compute/native-output";

const caught: string[] = [];
afterEach(() => {
  caught.length = 0;
  onNativeOutput((line) => process.stderr.write(`${line}\n`));
});

describe.if(process.platform === "linux")("withNativeOutputCaptured", () => {
  test("hands what is written to fds 1 and 2 during the call to the listener, line by line", () => {
    onNativeOutput((line) => caught.push(line));
    const result = withNativeOutputCaptured(() => {
      writeSync(1, "Warning: to stdout\n");
      writeSync(2, "Warning: to stderr\nsecond line\n");
      return 42;
    });
    expect(result).toBe(42);
    expect(caught).toEqual(["Warning: to stdout", "Warning: to stderr", "second line"]);
  });

  test("restores the descriptors when the call throws", () => {
    onNativeOutput((line) => caught.push(line));
    expect(() =>
      withNativeOutputCaptured(() => {
        writeSync(2, "before the throw\n");
        throw new Error("native call failed");
      }),
    ).toThrow("native call failed");
    expect(caught).toEqual(["before the throw"]);
    withNativeOutputCaptured(() => writeSync(2, "next\n"));
    expect(caught).toEqual(["before the throw", "next"]);
  });

  test("a line of our own JSON log caught in the window is passed on, not wrapped", () => {
    onNativeOutput((line) => caught.push(line));
    withNativeOutputCaptured(() => {
      writeSync(1, '{"time":"2026-01-01T00:00:00.000Z","level":"info","msg":"request"}\n');
      writeSync(2, "Warning: native\n");
    });
    expect(caught).toEqual(["Warning: native"]);
  });
});
