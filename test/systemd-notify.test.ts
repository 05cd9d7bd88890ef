/**
 * systemd readiness (deploy/mlservice.service is Type=notify): the compiled binary runs
 * `systemd-notify --ready` once it listens and `systemd-notify STOPPING=1` at SIGTERM, only when
 * $NOTIFY_SOCKET is set. A fake systemd-notify first on PATH records its arguments.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { binaryServer, startBinary } from "./binary-helpers";

const TOKEN = `${"n".repeat(16)}notify-token-for-tests-0123456789`;
const f = binaryServer("mls-notify-", TOKEN);
let fakeBin = "";
let record = "";

beforeAll(() => {
  fakeBin = join(f.dir, "fake-bin");
  record = join(f.dir, "notify.log");
  mkdirSync(fakeBin);
  writeFileSync(join(fakeBin, "systemd-notify"), `#!/bin/sh\necho "$NOTIFY_SOCKET $*" >> '${record}'\n`);
  chmodSync(join(fakeBin, "systemd-notify"), 0o755);
});

/** The recorded lines once `want` of them are there (bounded by the loop, not by a sleep's length). */
async function recorded(want: number): Promise<string[]> {
  for (let i = 0; i < 2000; i++) {
    const lines = existsSync(record) ? readFileSync(record, "utf8").trim().split("\n").filter(Boolean) : [];
    if (lines.length >= want) return lines;
    await Bun.sleep(10);
  }
  throw new Error(`systemd-notify was not called ${want} time(s)`);
}

describe("systemd readiness", () => {
  test("with NOTIFY_SOCKET: READY=1 after listening, STOPPING=1 at SIGTERM", async () => {
    const env = { ...f.env(), PATH: `${fakeBin}:${process.env.PATH ?? ""}`, NOTIFY_SOCKET: "/run/fake/notify" };
    const s = await startBinary(f.binary, { cwd: f.dir, env, token: TOKEN });
    try {
      const [ready] = await recorded(1);
      expect(ready).toStartWith("/run/fake/notify --ready");
      // READY=1 comes after the listen: the service answers now
      expect((await s.call("/livez")).status).toBe(200);
      s.proc.kill("SIGTERM");
      expect(await s.proc.exited).toBe(0);
      expect((await recorded(2))[1]).toBe("/run/fake/notify STOPPING=1");
    } finally {
      s.proc.kill();
    }
  }, 60_000);

  test("without NOTIFY_SOCKET nothing is called", async () => {
    writeFileSync(record, "");
    const env = { ...f.env(), PATH: `${fakeBin}:${process.env.PATH ?? ""}` };
    const s = await startBinary(f.binary, { cwd: f.dir, env, token: TOKEN });
    try {
      expect((await s.call("/readyz")).status).toBe(200);
      s.proc.kill("SIGTERM");
      expect(await s.proc.exited).toBe(0);
      expect(readFileSync(record, "utf8")).toBe("");
    } finally {
      s.proc.kill();
    }
  }, 60_000);
});
