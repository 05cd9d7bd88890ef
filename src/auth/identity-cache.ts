/**
 * Credentials already read, so that a client's every request does not read its token and its
 * user again. Keyed by the secret's SHA-256 (never the secret). An entry is good only while the
 * credentials epoch (src/db/credential-epoch.ts) stays where it was before the row was read:
 * every revocation and user change moves it, here or in another process, and the next lookup
 * then drops everything. Expiry is by time and stays the caller's check on every use.
 *
 * Only rows that exist are kept: an unknown secret is looked up again every time (a token
 * issued by another process works at once), at the price of one indexed lookup.
 */
import type { CredentialEpoch } from "../db/credential-epoch";

/** Entries at most; past it the cache starts over (a burst of distinct clients cannot grow it). */
export const MAX_IDENTITIES = 10_000;
/** An entry is read again after this long whatever the epoch says: a safety net, not the mechanism. */
export const MAX_IDENTITY_AGE_MS = 60_000;

/** Which table a row came from: a session's hash never finds an API token's row. */
export type CredentialKind = "session" | "api_token";

interface Entry {
  kind: CredentialKind;
  row: object;
  readAt: number;
}

/** One per AuthContext: the credentials its process has read, good while the epoch stays put. */
export class IdentityCache {
  readonly #entries = new Map<string, Entry>();
  readonly #epoch: CredentialEpoch;
  readonly #clock: () => number;
  /** the epoch the entries were read at; null: none may be kept */
  #at: number | null = null;

  /** `clock` is monotonic milliseconds (tests move it); the request clock may be moved by tests for expiry. */
  constructor(epoch: CredentialEpoch, clock: () => number = () => performance.now()) {
    this.#epoch = epoch;
    this.#clock = clock;
  }

  /** The epoch to pass to `set` for a row read after this call; drops every entry when it moved. */
  begin(): number | null {
    const now = this.#epoch.read();
    if (now !== this.#at) {
      this.#entries.clear();
      this.#at = now;
    }
    return now;
  }

  /** The row of `kind` cached for `hash` (as `set` was given it), or undefined; call `begin` first. */
  get<R extends object>(kind: CredentialKind, hash: string): R | undefined {
    const e = this.#entries.get(hash);
    if (!e || e.kind !== kind) return undefined;
    if (this.#clock() - e.readAt >= MAX_IDENTITY_AGE_MS) {
      this.#entries.delete(hash);
      return undefined;
    }
    return e.row as R;
  }

  /** Keeps `row`, read after `begin` answered `epoch`, unless the epoch moved meanwhile. */
  set(kind: CredentialKind, hash: string, row: object, epoch: number | null): void {
    if (epoch === null || epoch !== this.#at || this.#epoch.read() !== epoch) return;
    if (this.#entries.size >= MAX_IDENTITIES) this.#entries.clear();
    this.#entries.set(hash, { kind, row, readAt: this.#clock() });
  }

  /** A change made here: moves the epoch every process reads, and drops this process's entries now. */
  changed(): void {
    this.#epoch.bump();
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
