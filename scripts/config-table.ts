/** Prints the README's configuration table from src/config.ts (the one source of settings). */
import { SETTINGS_DOC } from "../src/config";

export function configTable(): string {
  const rows = SETTINGS_DOC.map(
    (s) => `| \`${s.name}\` | ${s.default === "" ? "(empty)" : `\`${s.default}\``} | ${s.doc} |`,
  );
  return ["| variable | default | meaning |", "| --- | --- | --- |", ...rows].join("\n");
}

if (import.meta.main) console.log(configTable());
