/**
 * Schedules that must run once however many processes and replicas keep them (the daily drift
 * check, the dataset TTL sweep, the retention sweep, the alert checks): each run is a slot, the
 * planned time of that run, and the process whose insert of (schedule, slot) into
 * `schedule_runs` succeeds runs it; the others find the row there and skip. The insert is
 * `ON CONFLICT DO NOTHING … RETURNING`, one statement on SQLite and PostgreSQL alike.
 */
import { Cron } from "croner";
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";

/** how long claimed slots are kept: enough to see what ran lately, small enough never to matter */
const KEEP_DAYS = 7;

/**
 * The run of `pattern` (croner, in `timezone`) a tick at `now` belongs to: the latest planned
 * time at or before it. A second of slack covers a timer that wakes a little early; a tick that
 * comes late (a busy process) still names the run it was planned for.
 */
export function slotOf(pattern: string, timezone: string | undefined, now: Date): Date {
  const cron = new Cron(pattern, { paused: true, ...(timezone ? { timezone } : {}) });
  try {
    return cron.previousRuns(1, new Date(now.getTime() + 1000))[0] ?? now;
  } finally {
    cron.stop();
  }
}

/**
 * True for the one process that claims `schedule`'s run at `slot`; false for every other.
 * Slots older than KEEP_DAYS of that schedule are dropped by whoever claims a new one.
 */
export async function claimScheduleRun(
  db: Kysely<DB>,
  run: { schedule: string; slot: Date; owner: string; now: Date },
): Promise<boolean> {
  const slot = run.slot.toISOString();
  const claimed = await db
    .insertInto("schedule_runs")
    .values({ schedule: run.schedule, slot, claimed_by: run.owner, claimed_at: run.now.toISOString() })
    .onConflict((oc) => oc.columns(["schedule", "slot"]).doNothing())
    .returning("slot")
    .executeTakeFirst();
  if (!claimed) return false;
  const before = new Date(run.slot.getTime() - KEEP_DAYS * 86_400_000).toISOString();
  await db.deleteFrom("schedule_runs").where("schedule", "=", run.schedule).where("slot", "<", before).execute();
  return true;
}
