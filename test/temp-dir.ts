/**
 * Temporary directories a test may leave in any state: all are removed once the whole run ends
 * (test/preload.ts registers removeTempDirs as a run-wide afterAll), whatever happened in between,
 * so a run leaves nothing in the system's temp folder. `bun test` fires no `exit` event, so a
 * handler there never runs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

/** mkdtemp under the system's temp folder with `prefix`, removed when the test run ends. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every directory tempDir made; the test preload registers it for the end of the run. */
export function removeTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}
