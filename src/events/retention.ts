/**
 * How long the audit log keeps what: request events (one per API call, the bulk) for
 * ML_AUDIT_RETENTION_DAYS, security events for ML_SECURITY_AUDIT_RETENTION_DAYS (longer by
 * default: an incident is often found months later). A security event is one flagged
 * suspicious, or one about signing in, accounts, roles or tokens (`auth:*`, `users:*`).
 */
import type { ExpressionBuilder, Kysely } from "kysely";
import { inBatches } from "../db/batches";
import type { DB } from "../db/schema";

/** The WHERE clause that picks security events out of `events`. */
export const isSecurityEvent = (eb: ExpressionBuilder<DB, "events">) =>
  eb.or([eb("suspicious", "=", 1), eb("type", "like", "auth:%"), eb("type", "like", "users:%")]);

export interface AuditCutoffs {
  /** ISO time: request events older than this go; null keeps them */
  requests: string | null;
  /** ISO time: security events older than this go; null keeps them */
  security: string | null;
}

/** Deletes audit events past their retention, oldest first, in batches; counts per kind. */
export async function sweepAuditEvents(
  db: Kysely<DB>,
  cutoffs: AuditCutoffs,
  batchRows: number,
): Promise<{ events: number; security_events: number }> {
  const sweep = (before: string, security: boolean) =>
    inBatches(batchRows, async (limit) => {
      const r = await db
        .deleteFrom("events")
        .where("id", "in", (eb) =>
          eb
            .selectFrom("events")
            .select("id")
            .where("time", "<", before)
            .where((w) => (security ? isSecurityEvent(w) : w.not(isSecurityEvent(w))))
            .orderBy("time")
            .limit(limit),
        )
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    });
  return {
    events: cutoffs.requests === null ? 0 : await sweep(cutoffs.requests, false),
    security_events: cutoffs.security === null ? 0 : await sweep(cutoffs.security, true),
  };
}
