/**
 * A signed-in request as a domain operation takes it (`Actor` in src/auth/accounts.ts): who
 * asks, from which address, and where its audit notes go.
 *
 * ```ts
 * await changeOwnPassword(ctx, actorOf(c), { currentPassword, newPassword });
 * ```
 */
import type { Context } from "hono";
import type { Actor } from "../../auth/accounts";
import type { AppEnv } from "../env";
import { noteAudit } from "./audit";
import { signedIn } from "./route-access";

export function actorOf(c: Context<AppEnv>): Actor {
  return { identity: signedIn(c), ip: c.get("clientIp"), note: (n) => noteAudit(c, n) };
}
