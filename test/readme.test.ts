import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { configTable } from "../scripts/config-table";

const readme = readFileSync(join(import.meta.dir, "..", "README.md"), "utf8");

/** Cell contents only: the formatter pads markdown tables. */
const cells = (table: string) =>
  table
    .trim()
    .split("\n")
    .map((row) =>
      row
        .split("|")
        .map((c) => c.trim().replace(/^-+$/, "---"))
        .join("|"),
    );

describe("README", () => {
  test("its configuration table is the one generated from src/config.ts", () => {
    const table = /<!-- config-table:start[^\n]*-->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(readme)?.[1];
    expect(cells(table ?? "")).toEqual(cells(configTable()));
  });

  test("gives the two quick-start commands", () => {
    expect(readme).toContain("npm ci && npm start");
    expect(readme).toContain("npm ci && npm test");
  });
});
