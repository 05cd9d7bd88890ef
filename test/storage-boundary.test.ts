/**
 * Storage stays behind its interfaces: only src/db knows the database is SQLite, and only
 * src/storage (plus the few files below, which read operator-named files) touches the
 * filesystem. A new database or object store is then one folder, wired in one place.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");

/** Files that may read the filesystem outside src/storage and src/db, and why. */
const FILESYSTEM_ALLOWED: Record<string, string> = {
  "src/service.ts": "reads .env / ML_ENV_FILE and the TLS certificate and key",
  "src/cli/data-file.ts": "reads the data file the operator names on the command line (train, predict)",
  "src/cli/export.ts": "writes the model file the operator names with --out",
  "src/compute/native/library.ts": "copies the kernel library embedded in the binary to a temporary file to load it",
  "src/monitoring/process-stats.ts": "counts /proc/self/fd for the process_open_fds metric",
  "src/compute/native-output.ts": "points fds 1/2 at an unlinked temporary file while Dawn prints, then reads it back",
  "src/log.ts": "writes the log lines still waiting to fd 1 synchronously as the process exits",
};

type Rule = { name: string; pattern: RegExp; allowed: (path: string) => boolean };

const RULES: Rule[] = [
  {
    name: "imports bun:sqlite",
    pattern: /["']bun:sqlite["']/,
    allowed: (p) => p.startsWith("src/db/"),
  },
  {
    name: "prepares raw statements",
    pattern: /\.prepare\(/,
    allowed: (p) => p.startsWith("src/db/"),
  },
  {
    name: "touches the filesystem",
    pattern: /["'](node:)?fs(\/promises)?["']|\bBun\.(file|write)\(/,
    allowed: (p) => p.startsWith("src/storage/") || p.startsWith("src/db/") || p in FILESYSTEM_ALLOWED,
  },
];

/** Code lines only: JSDoc examples and comments may name what the code must not use. */
function codeLines(text: string): string[] {
  return text.split("\n").filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line));
}

function violations(path: string, text: string): string[] {
  const lines = codeLines(text);
  return RULES.filter((r) => !r.allowed(path) && lines.some((l) => r.pattern.test(l))).map((r) => `${path} ${r.name}`);
}

async function sources(): Promise<{ path: string; text: string }[]> {
  const out: { path: string; text: string }[] = [];
  for (const dir of ["src", "views"]) {
    for await (const path of new Bun.Glob(`${dir}/**/*.{ts,tsx}`).scan(ROOT)) {
      out.push({ path, text: await Bun.file(join(ROOT, path)).text() });
    }
  }
  return out;
}

describe("storage boundary", () => {
  test("no file outside src/db imports bun:sqlite or prepares statements; only src/storage reads artifact and dataset files", async () => {
    const files = await sources();
    expect(files.length).toBeGreaterThan(100);
    expect(files.flatMap((f) => violations(f.path, f.text))).toEqual([]);
  });

  test("the check catches each kind of breach", () => {
    expect(violations("src/monitoring/x.ts", 'import type { Database } from "bun:sqlite";')).toEqual([
      "src/monitoring/x.ts imports bun:sqlite",
    ]);
    expect(violations("src/auth/x.ts", "const s = db.prepare(sql);")).toEqual([
      "src/auth/x.ts prepares raw statements",
    ]);
    expect(violations("src/registry/x.ts", 'import { rmSync } from "node:fs";')).toEqual([
      "src/registry/x.ts touches the filesystem",
    ]);
    expect(violations("src/datasets/x.ts", "const f = Bun.file(path);")).toEqual([
      "src/datasets/x.ts touches the filesystem",
    ]);
    expect(violations("src/db/sqlite/x.ts", 'import { Database } from "bun:sqlite";')).toEqual([]);
    expect(violations("src/storage/fs/x.ts", 'import { open } from "node:fs/promises";')).toEqual([]);
    expect(violations("src/monitoring/x.ts", ' * await Bun.write("baseline.json", text);')).toEqual([]);
  });
});
