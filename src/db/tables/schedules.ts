/** Table types of migrations/0014_job_leases.sql's `schedule_runs` (src/monitoring/schedule-claim.ts). */

export interface ScheduleRunsTable {
  /** the schedule's name, e.g. `daily-drift-check` */
  schedule: string;
  /** the planned time of the run, ISO: one row per run across every process */
  slot: string;
  claimed_by: string;
  claimed_at: string;
}

export interface ScheduleTables {
  schedule_runs: ScheduleRunsTable;
}
