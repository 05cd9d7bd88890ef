/**
 * The credentials epoch: a number every change that can make a cached identity wrong moves
 * (a revoked token or session, a deactivated, deleted, re-roled or renamed user). The identity
 * cache (src/auth/identity-cache.ts) keeps what it read only while the epoch stays where it was
 * when it read it; readers compare for inequality, so a lost increment still moves the value.
 *
 * SQLite: a counter in `<database file>.epoch`, mapped shared into every process that opens the
 * file (the ML_HTTP_PROCESSES siblings, `mlservice user …` at the same box), read for the
 * price of one memory load. ":memory:" has no file and no other process: a plain counter.
 * PostgreSQL: none yet (NoEpoch below): every check reads its rows, one joined query.
 */
import { closeSync, fstatSync, ftruncateSync, openSync } from "node:fs";

export interface CredentialEpoch {
  /** The current value, or null while a change elsewhere could go unnoticed: nothing may be cached then. */
  read(): number | null;
  /** Moves the value: every process reading it sees a different one from now on. */
  bump(): void;
}

/** A counter only this process sees, always trusted: a database no other process opens. */
export class LocalEpoch implements CredentialEpoch {
  #value = 0;
  read(): number {
    return this.#value;
  }
  bump(): void {
    this.#value += 1;
  }
}

const BYTES = 8;

/** The epoch file's path for an SQLite database file. */
export function epochPath(databaseFile: string): string {
  return `${databaseFile}.epoch`;
}

/**
 * The counter in `path`, shared writable with every process mapping it (Bun.mmap with
 * `shared: true`, a MAP_SHARED mapping). The file is created if missing and never truncated or
 * rewritten: a process starting later must not reset a value others compare against.
 */
export class FileEpoch implements CredentialEpoch {
  readonly #cell: Int32Array;

  constructor(path: string) {
    const fd = openSync(path, "a", 0o600);
    try {
      if (fstatSync(fd).size < BYTES) ftruncateSync(fd, BYTES);
    } finally {
      closeSync(fd);
    }
    const map = Bun.mmap(path, { shared: true });
    this.#cell = new Int32Array(map.buffer, map.byteOffset, 1);
  }

  read(): number {
    return Atomics.load(this.#cell, 0);
  }

  bump(): void {
    Atomics.add(this.#cell, 0, 1);
  }
}

/**
 * No epoch: nothing tells this process of the others' changes, so nothing may be cached and every
 * check reads its rows. PostgreSQL replicas, for now: their NOTIFY relay can be down without this
 * process knowing at once (a silent network loss is noticed only by TCP keepalive), and
 * notifications sent meanwhile are never replayed, so it cannot vouch for a cached identity.
 */
export class NoEpoch implements CredentialEpoch {
  read(): null {
    return null;
  }
  bump(): void {}
}
