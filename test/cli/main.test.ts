import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT, type Io } from "../../src/cli/io";
import { main } from "../../src/main";
import { freshPostgres, testDialects } from "../pg";

function fakeIo(env: Record<string, string> = {}, cwd = process.cwd()) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    write: (t) => out.push(t),
    isTTY: false,
    env,
    cwd,
  };
  return { io, out, err };
}

describe("mlservice CLI", () => {
  test("without a command prints usage and exits 2", async () => {
    const { io, out } = fakeIo();
    expect(await main([], io)).toBe(EXIT.usage);
    expect(out.join("\n")).toContain("Usage: mlservice <command>");
  });

  test("--help exits 0 and lists the commands", async () => {
    const { io, out } = fakeIo();
    expect(await main(["--help"], io)).toBe(EXIT.ok);
    for (const name of ["serve", "migrate", "version"]) expect(out.join("\n")).toContain(`  ${name}`);
  });

  test("an unknown command exits 2 and says so", async () => {
    const { io, err } = fakeIo();
    expect(await main(["frobnicate"], io)).toBe(EXIT.usage);
    expect(err[0]).toContain('unknown command "frobnicate"');
  });

  test.each(["serve", "migrate", "version"])("%s --help prints usage with examples", async (name) => {
    const { io, out } = fakeIo();
    expect(await main([name, "--help"], io)).toBe(EXIT.ok);
    expect(out.join("\n")).toContain(`Usage: mlservice ${name}`);
    expect(out.join("\n")).toContain("Example");
  });

  test("version prints the version", async () => {
    const { io, out } = fakeIo();
    expect(await main(["version"], io)).toBe(EXIT.ok);
    expect(out[0]).toMatch(/^mlservice \d+\.\d+\.\d+ \(bun /);
  });

  test("migrate with a bad setting exits 3 with one line", async () => {
    const { io, err } = fakeIo({ ML_DRIFT_PSI_THRESHOLD: "lots" });
    expect(await main(["migrate"], io)).toBe(EXIT.config);
    expect(err).toHaveLength(1);
    expect(err[0]).toContain('ML_DRIFT_PSI_THRESHOLD="lots": expected a number');
  });

  test("migrate creates and then keeps the database up to date", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mls-cli-"));
    try {
      const first = fakeIo({ ML_DB_PATH: join(dir, "data", "store.db") }, dir);
      expect(await main(["migrate"], first.io)).toBe(EXIT.ok);
      expect(first.out[0]).toMatch(/^applied \d+ migration\(s\): 0001_service/);
      const second = fakeIo({ ML_DB_PATH: join(dir, "data", "store.db") }, dir);
      expect(await main(["migrate"], second.io)).toBe(EXIT.ok);
      expect(second.out[0]).toMatch(/^up to date at \d{4}_/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each(testDialects().filter((d) => d === "postgres"))(
    "migrate on %s: applies, then up to date; an unreachable server exits 3 with one line, no password",
    async () => {
      const pg = await freshPostgres();
      try {
        const first = fakeIo({ ML_DATABASE_URL: pg.url });
        expect(await main(["migrate"], first.io)).toBe(EXIT.ok);
        expect(first.out[0]).toMatch(/^applied \d+ migration\(s\): 0001_service/);
        const second = fakeIo({ ML_DATABASE_URL: pg.url });
        expect(await main(["migrate"], second.io)).toBe(EXIT.ok);
        expect(second.out[0]).toMatch(/^up to date at \d{4}_/);
        const down = fakeIo({ ML_DATABASE_URL: "postgres://ml:hunter2-secret@127.0.0.1:1/ml" });
        expect(await main(["migrate"], down.io)).toBe(EXIT.config);
        expect(down.err).toHaveLength(1);
        expect(down.err[0]).toContain("ML_DATABASE_URL=");
        expect(down.err[0]).not.toContain("hunter2");
      } finally {
        await pg.drop();
      }
    },
  );

  test("a database URL that is neither sqlite: nor postgres:// exits 3 naming the setting", async () => {
    const { io, err } = fakeIo({ ML_DATABASE_URL: "mysql://x@y/z" });
    expect(await main(["migrate"], io)).toBe(EXIT.config);
    expect(err[0]).toContain("ML_DATABASE_URL");
  });

  test("serve rejects unknown options with exit 2", async () => {
    const { io, err } = fakeIo();
    expect(await main(["serve", "--prot", "1"], io)).toBe(EXIT.usage);
    expect(err[0]).toContain("unknown option --prot");
  });
});
