/**
 * Free-text notes and tags on a version, for people comparing runs ("lr 0.01, more data",
 * `baseline`, `candidate`). Tags are validated like model keys, at most MAX_TAGS per version,
 * duplicates dropped; notes are at most MAX_NOTES characters. Writing them is for the model's
 * owner, maintainers and admins; anyone signed in reads them with the version.
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import { invalid } from "../errors";
import { MODEL_KEY_PATTERN } from "./artifact";
import { type Actor, assertCanChangeModel } from "./ownership";
import { getModel, getVersion } from "./registry";

export const MAX_TAGS = 20;
export const MAX_NOTES = 10_000;

export interface NotesUpdate {
  /** replaces the notes when given */
  notes?: string | undefined;
  /** replaces the tags when given */
  tags?: string[] | undefined;
}

/** Tags as the user typed them in one field: separated by commas or whitespace. */
export function splitTags(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

function checkUpdate(u: NotesUpdate): { notes?: string; tags?: string[] } {
  const issues: { path: string; message: string }[] = [];
  if (u.notes !== undefined && u.notes.length > MAX_NOTES) {
    issues.push({ path: "notes", message: `at most ${MAX_NOTES} characters` });
  }
  const tags = u.tags === undefined ? undefined : [...new Set(u.tags.map((t) => t.trim()))];
  tags?.forEach((t, i) => {
    if (!MODEL_KEY_PATTERN.test(t)) {
      issues.push({
        path: `tags.${i}`,
        message: "1–64 letters, digits, '_', '.', '-', starting with a letter or digit",
      });
    }
  });
  if (tags && tags.length > MAX_TAGS) issues.push({ path: "tags", message: `at most ${MAX_TAGS} tags` });
  const first = issues[0];
  if (first) throw invalid(`${first.path}: ${first.message}`, issues);
  return { ...(u.notes !== undefined && { notes: u.notes }), ...(tags !== undefined && { tags }) };
}

/**
 * Replaces a version's notes and/or tags. 404 unknown model or version, 403 when `actor` may
 * not change the model, 422 for a bad tag or oversize notes (nothing changes then).
 */
export async function updateVersionNotes(
  db: Kysely<DB>,
  actor: Actor,
  modelKey: string,
  version: string,
  update: NotesUpdate,
): Promise<{ model_key: string; version: string; notes: string; tags: string[] }> {
  await getModel(db, modelKey);
  await assertCanChangeModel(db, actor, modelKey, "write notes on");
  const row = await getVersion(db, modelKey, version);
  const u = checkUpdate(update);
  const set = { ...(u.notes !== undefined && { notes: u.notes }), ...(u.tags && { tags: JSON.stringify(u.tags) }) };
  if (Object.keys(set).length > 0) await db.updateTable("model_versions").set(set).where("id", "=", row.id).execute();
  const after = await getVersion(db, modelKey, version);
  return { model_key: modelKey, version: after.version, notes: after.notes, tags: JSON.parse(after.tags) };
}
