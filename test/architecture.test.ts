/**
 * The layering of ../shared/DESIGN.md, checked on the import statements of every file under
 * src/ and views/: HTTP is an adapter (no database in src/http or views/), nothing below it
 * imports it, and no two files import each other, directly or around a circle. Type-only
 * imports count: a type circle still couples the two files.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const ROOT = join(import.meta.dir, "..");

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(name)) out.push(path);
  }
  return out.sort();
}

const STATIC_IMPORT =
  /^(?:import|export)\s+(?:type\s+)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\}|[\w$]+(?:\s*,\s*(?:\{[^}]*\}|\*\s+as\s+[\w$]+))?)\s+from\s+"([^"]+)"/gm;
const BARE_IMPORT = /^import\s+"([^"]+)"/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*"([^"]+)"\s*\)/g;

/** Every module a file names in an import or re-export, type-only ones included. */
function importsOf(file: string): string[] {
  const code = readFileSync(join(ROOT, file), "utf8");
  return [STATIC_IMPORT, BARE_IMPORT, DYNAMIC_IMPORT].flatMap((re) =>
    [...code.matchAll(re)].map((m) => m[1] as string),
  );
}

/** A relative specifier as a repository path (`src/http/env.ts`); null for packages and non-code files. */
function resolve(from: string, spec: string): string | null {
  if (!spec.startsWith(".")) return null;
  const base = join(dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts"), join(base, "index.tsx")]) {
    if (/\.tsx?$/.test(candidate) && existsSync(join(ROOT, candidate))) return relative(ROOT, join(ROOT, candidate));
  }
  return null;
}

const FILES = [...sourceFiles("src"), ...sourceFiles("views")];
const IMPORTS = new Map(FILES.map((f) => [f, importsOf(f)]));
const GRAPH = new Map(
  FILES.map((f) => [f, [...new Set((IMPORTS.get(f) ?? []).map((s) => resolve(f, s)).filter((p) => p !== null))]]),
);

/** Each circle met by a depth-first walk, as `a -> b -> a`. */
function findCircles(graph: Map<string, string[]>): string[] {
  const state = new Map<string, "open" | "done">();
  const circles: string[] = [];
  const visit = (f: string, path: string[]) => {
    if (state.get(f) === "done") return;
    if (state.get(f) === "open") {
      circles.push([...path.slice(path.indexOf(f)), f].join(" -> "));
      return;
    }
    state.set(f, "open");
    for (const to of graph.get(f) ?? []) visit(to, [...path, f]);
    state.set(f, "done");
  };
  for (const f of graph.keys()) visit(f, []);
  return circles;
}

const DATABASE_MODULES = new Set(["kysely", "bun:sqlite"]);
/** Query-builder entry points and raw statements: what "SQL" looks like in this code base. */
const QUERY =
  /\.(selectFrom|updateTable|insertInto|deleteFrom|replaceInto)\(|\bsql`|\.(query|prepare|run|exec)\(\s*["'`]\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|WITH|PRAGMA)\b/i;
const LOWER_LAYERS = ["auth", "events", "registry", "jobs", "monitoring", "ml", "compute", "datasets", "db", "storage"];
const isAdapter = (f: string) => f.startsWith("src/http/") || f.startsWith("views/");

describe("architecture", () => {
  test("reads the import graph of every source file", () => {
    expect(FILES.length).toBeGreaterThan(100);
    expect(GRAPH.get("src/http/app.ts")).toContain("src/http/env.ts");
  });

  test("src/http and views/ import neither kysely nor bun:sqlite", () => {
    const offenders = FILES.filter((f) => isAdapter(f) && (IMPORTS.get(f) ?? []).some((s) => DATABASE_MODULES.has(s)));
    expect(offenders).toEqual([]);
  });

  test("src/http and views/ hold no SQL: routes and pages call domain operations", () => {
    const offenders = FILES.filter((f) => isAdapter(f) && QUERY.test(readFileSync(join(ROOT, f), "utf8")));
    expect(offenders).toEqual([]);
  });

  test("nothing below the HTTP adapter imports it", () => {
    const offenders = FILES.filter((f) => LOWER_LAYERS.some((layer) => f.startsWith(`src/${layer}/`))).flatMap((f) =>
      (GRAPH.get(f) ?? []).filter((to) => to.startsWith("src/http/")).map((to) => `${f} -> ${to}`),
    );
    expect(offenders).toEqual([]);
  });

  test("auth/ and events/ do not depend on Hono: they take plain inputs, not a request", () => {
    const offenders = FILES.filter((f) => /^src\/(auth|events)\//.test(f)).filter((f) =>
      (IMPORTS.get(f) ?? []).some((s) => s === "hono" || s.startsWith("hono/")),
    );
    expect(offenders).toEqual([]);
  });

  test("there is no import circle", () => {
    expect(findCircles(GRAPH)).toEqual([]);
  });

  test("the circle check finds a circle when there is one", () => {
    const graph = new Map([
      ["a", ["b"]],
      ["b", ["c", "d"]],
      ["c", ["a"]],
      ["d", []],
    ]);
    expect(findCircles(graph)).toEqual(["a -> b -> c -> a"]);
  });
});
