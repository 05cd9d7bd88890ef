/**
 * Password hashing (argon2id through Bun.password) and the password rules.
 *
 * Rules, checked on every new password (registration, change, admin reset, CLI):
 * - 10 to 256 characters (the upper bound keeps hashing cost bounded);
 * - at least two character classes of: lower case, upper case, digits, other;
 * - not the username, not the username reversed, not containing the username;
 * - not one character repeated, not a well-known password.
 */
import { ServiceError } from "../errors";

export interface PasswordHashing {
  /** argon2 memory in KiB */
  memoryCost: number;
  /** argon2 passes */
  timeCost: number;
}

/** Bun's (and OWASP's second) recommendation: 64 MiB, 2 passes; ~0.1–0.3 s on a small box. */
export const PRODUCTION_HASHING: PasswordHashing = { memoryCost: 65536, timeCost: 2 };
/** For tests only: the same algorithm at a cost of well under a millisecond. */
export const TEST_HASHING: PasswordHashing = { memoryCost: 256, timeCost: 1 };

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;

const COMMON = new Set([
  "password123",
  "password1234",
  "password12345",
  "qwertyuiop1",
  "1234567890a",
  "administrator",
  "administrator1",
  "changeme123",
  "letmein1234",
  "welcome1234",
  "iloveyou123",
]);

/** Every rule the password breaks, as sentences for the 422 details; empty when it is fine. */
export function passwordProblems(password: string, username: string): string[] {
  const problems: string[] = [];
  if (password.length < PASSWORD_MIN) problems.push(`must be at least ${PASSWORD_MIN} characters`);
  if (password.length > PASSWORD_MAX) problems.push(`must be at most ${PASSWORD_MAX} characters`);
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  if (classes < 2) problems.push("must mix at least two of: lower case, upper case, digits, symbols");
  if (/^(.)\1*$/su.test(password)) problems.push("must not be one character repeated");
  const lower = password.toLowerCase();
  const name = username.toLowerCase();
  if (name && (lower.includes(name) || lower === [...name].reverse().join("")))
    problems.push("must not contain the username");
  if (COMMON.has(lower)) problems.push("is a well-known password");
  return problems;
}

/** Throws a 422 listing every rule `password` breaks, each under `field` (as a form shows it). */
export function assertPasswordRules(password: string, username: string, field = "password"): void {
  const problems = passwordProblems(password, username);
  if (problems.length) {
    throw new ServiceError(
      422,
      "validation_failed",
      `password ${problems[0]}`,
      problems.map((p) => ({ path: field, message: `password ${p}` })),
    );
  }
}

export function hashPassword(password: string, cost: PasswordHashing): Promise<string> {
  return Bun.password.hash(password, { algorithm: "argon2id", ...cost });
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return Bun.password.verify(password, hash).catch(() => false);
}

/**
 * Verifies against a throwaway hash of the same cost, so that a login for an unknown user
 * takes as long as one for a known user with a wrong password.
 */
export class DummyVerifier {
  #hash: Promise<string> | null = null;
  readonly #cost: PasswordHashing;

  constructor(cost: PasswordHashing) {
    this.#cost = cost;
  }

  async burn(password: string): Promise<void> {
    this.#hash ??= hashPassword(crypto.randomUUID(), this.#cost);
    await verifyPassword(password, await this.#hash);
  }
}

const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/**
 * A 20-character password from a 57-symbol alphabet (~117 bits), without look-alikes
 * (0/O, 1/l/I), with a dash every 5 so an operator can read it off a terminal.
 */
export function generatePassword(): string {
  const chars: string[] = [];
  while (chars.length < 20) {
    for (const b of crypto.getRandomValues(new Uint8Array(40))) {
      // rejection sampling: 57 * 4 = 228, so bytes ≥ 228 would bias the first symbols
      if (b < 228 && chars.length < 20) chars.push(ALPHABET[b % 57] as string);
    }
  }
  return [0, 5, 10, 15].map((i) => chars.slice(i, i + 5).join("")).join("-");
}
