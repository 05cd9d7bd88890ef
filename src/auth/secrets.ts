/**
 * Bearer secrets: 32 random bytes, base64url, behind a prefix that says what they are
 * (`mls_` API tokens, `mlsess_` sessions) so that secret scanners and people recognise
 * them. Only the SHA-256 is stored; a random 256-bit secret needs no slow hash.
 */
import { createHash, timingSafeEqual } from "node:crypto";

export const API_TOKEN_PREFIX = "mls_";
export const SESSION_PREFIX = "mlsess_";

export function newSecret(prefix: string): string {
  return prefix + Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
}

/** Hex SHA-256 of the UTF-8 text (Bun's one-shot hasher: a third of node:crypto's stream object's cost per request). */
export function sha256Hex(text: string): string {
  return Bun.SHA256.hash(text, "hex");
}

/** Constant-time equality of two strings of any length (compared as SHA-256 digests). */
export function sameSecret(a: string, b: string): boolean {
  const da = createHash("sha256").update(a).digest();
  const db = createHash("sha256").update(b).digest();
  return timingSafeEqual(da, db);
}

/** A base64url secret shape check before any lookup: malformed input never reaches SQL. */
export function looksLikeSecret(value: string, prefix: string): boolean {
  return value.startsWith(prefix) && /^[A-Za-z0-9_-]{43}$/.test(value.slice(prefix.length));
}
