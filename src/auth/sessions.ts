/**
 * Session rows beyond issuing and checking them (credentials.ts): signing out one session
 * and counting what still lets a user act, for the profile.
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import type { CredentialWriter } from "./context";

/** Ends one session; true when it was still open. */
export async function revokeSession(w: CredentialWriter, sessionId: number, now: Date): Promise<boolean> {
  const r = await w.db
    .updateTable("sessions")
    .set({ revoked_at: now.toISOString() })
    .where("id", "=", sessionId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  w.identities.changed();
  return Number(r.numUpdatedRows) > 0;
}

/** Sessions and API tokens of the user that are neither revoked nor expired. */
export async function countLiveCredentials(
  db: Kysely<DB>,
  userId: number,
  now: Date,
): Promise<{ sessions: number; apiTokens: number }> {
  const at = now.toISOString();
  const count = (table: "sessions" | "api_tokens") =>
    db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", at)
      .executeTakeFirstOrThrow();
  const [sessions, tokens] = await Promise.all([count("sessions"), count("api_tokens")]);
  return { sessions: Number(sessions.n), apiTokens: Number(tokens.n) };
}
