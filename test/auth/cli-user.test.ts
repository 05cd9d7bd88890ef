import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { run, type UserIo, usage } from "../../src/cli/user";
import { tempDir } from "../temp-dir";

function io(dir: string, stdin = "", prompts: string[] = []) {
  const out: string[] = [];
  const err: string[] = [];
  const userIo: UserIo = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    write: (t) => out.push(t),
    isTTY: false,
    env: { ML_DB_PATH: join(dir, "store.db"), ML_LOG_LEVEL: "error" },
    cwd: dir,
    readStdin: async () => stdin,
    promptSecret: async () => prompts.shift() ?? "",
  };
  return { userIo, out, err };
}

describe("mlservice user", () => {
  const dir = tempDir("mls-user-");

  test("create reads the password from stdin; list shows the user without its hash", async () => {
    const a = io(dir, "Secret-pass-2025\n");
    expect(await run(["create", "carol", "--role", "admin", "--password-stdin"], a.userIo)).toBe(0);
    expect(a.out[0]).toMatch(/^created admin carol \(id \d+\)$/);
    const l = io(dir);
    expect(await run(["list", "--json"], l.userIo)).toBe(0);
    const users = JSON.parse(l.out[0] as string);
    expect(users.map((u: { username: string }) => u.username)).toContain("carol");
    expect(l.out.join("")).not.toContain("argon2");
  });

  test("passwd asks twice at the prompt and refuses a mismatch or a weak password", async () => {
    const ok = io(dir, "", ["Newer-pass-2025", "Newer-pass-2025"]);
    expect(await run(["passwd", "carol"], ok.userIo)).toBe(0);
    const differ = io(dir, "", ["Newer-pass-2025", "Other-pass-2025"]);
    expect(await run(["passwd", "carol"], differ.userIo)).toBe(1);
    const weak = io(dir, "short\n");
    expect(await run(["passwd", "carol", "--password-stdin"], weak.userIo)).toBe(1);
    expect(weak.err[0]).toContain("at least 10 characters");
  });

  test("never takes a password from argv, and refuses duplicates and bad names", async () => {
    const argv = io(dir);
    expect(await run(["create", "dan", "--password", "Dan-pass-2025"], argv.userIo)).toBe(2);
    expect(argv.err[0]).toContain("--password-stdin");
    expect(await run(["create", "dan", "--password=Dan-pass-2025"], io(dir).userIo)).toBe(2);
    expect(await run(["create", "carol", "--password-stdin"], io(dir, "Secret-pass-2025\n").userIo)).toBe(1);
    expect(await run(["create", "x'y", "--password-stdin"], io(dir, "Secret-pass-2025\n").userIo)).toBe(2);
    expect(await run(["create", "eve", "--role", "root"], io(dir).userIo)).toBe(2);
  });

  test("usage ends in examples", () => {
    expect(usage()).toMatch(/Examples:\n( {2}.*mlservice user .+\n?)+$/);
  });
});
