/**
 * Slows password guessing: after `perUsername` failed logins for one username, or `perIp`
 * from one IP, within `windowMs`, further attempts get 429 with Retry-After until the
 * oldest failure leaves the window. Counted for unknown usernames too, so a 429 says
 * nothing about whether an account exists. A success clears the username's count, not the
 * IP's (one valid account must not launder an IP's guessing on others).
 */
import { SlidingWindow } from "../events/window";

export interface LoginLimits {
  perUsername: number;
  perIp: number;
  windowMs: number;
}

/** 5 per username is the usual lockout; 20 per IP leaves room for an office behind one NAT. */
export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perUsername: 5, perIp: 20, windowMs: 15 * 60_000 };

export class LoginThrottle {
  readonly #byIp: SlidingWindow;
  readonly #byUser: SlidingWindow;
  readonly #limits: LoginLimits;

  constructor(limits: LoginLimits) {
    this.#limits = limits;
    this.#byIp = new SlidingWindow(limits.windowMs);
    this.#byUser = new SlidingWindow(limits.windowMs);
  }

  /** Milliseconds the caller must wait before trying again; 0 when it may try now. */
  retryAfterMs(ip: string, username: string, nowMs: number): number {
    return Math.max(
      this.#byIp.msUntilBelow(ip, this.#limits.perIp, nowMs),
      this.#byUser.msUntilBelow(username.toLowerCase(), this.#limits.perUsername, nowMs),
    );
  }

  /** Counts a failure; returns the failures now in the window for the IP and the username. */
  fail(ip: string, username: string, nowMs: number): { ip: number; username: number } {
    return { ip: this.#byIp.add(ip, nowMs), username: this.#byUser.add(username.toLowerCase(), nowMs) };
  }

  succeed(username: string): void {
    this.#byUser.clear(username.toLowerCase());
  }
}
