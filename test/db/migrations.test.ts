import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { MIGRATIONS } from "../../src/db/migrations";

describe("embedded migrations", () => {
  test("list every file of migrations/ in name order, none missing", () => {
    const files = readdirSync(join(import.meta.dir, "..", "..", "migrations"))
      .filter((f) => f.endsWith(".sql"))
      .map((f) => f.replace(/\.sql$/, ""))
      .sort();
    expect(MIGRATIONS.map((m) => m.name)).toEqual(files);
    for (const name of files) expect(name).toMatch(/^\d{4}_[a-z0-9_]+$/);
  });
});
