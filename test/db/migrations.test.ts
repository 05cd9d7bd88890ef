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

  test("every migration has its PostgreSQL text in migrations/postgres/, under the same name", () => {
    const files = readdirSync(join(import.meta.dir, "..", "..", "migrations", "postgres"))
      .filter((f) => f.endsWith(".sql"))
      .map((f) => f.replace(/\.sql$/, ""))
      .sort();
    expect(files).toEqual(MIGRATIONS.map((m) => m.name));
    for (const m of MIGRATIONS) {
      expect(m.postgres.trim().length).toBeGreaterThan(0);
      expect(m.postgres).not.toContain("STRICT");
    }
  });
});
