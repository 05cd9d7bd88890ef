/**
 * The migrations, embedded in the binary in name order. Frozen in time: a released migration
 * is never edited, a change comes as the next file. test/db/migrations.test.ts checks this
 * list against the migrations/ folder so that none is forgotten.
 */
import m0001 from "../../migrations/0001_service.sql" with { type: "text" };
import m0002 from "../../migrations/0002_auth.sql" with { type: "text" };
import m0003 from "../../migrations/0003_models.sql" with { type: "text" };
import m0004 from "../../migrations/0004_monitoring.sql" with { type: "text" };
import m0005 from "../../migrations/0005_prediction_columns.sql" with { type: "text" };
import m0006 from "../../migrations/0006_ownership.sql" with { type: "text" };
import m0007 from "../../migrations/0007_prediction_ids.sql" with { type: "text" };
import m0008 from "../../migrations/0008_retention.sql" with { type: "text" };
import m0009 from "../../migrations/0009_drift_history.sql" with { type: "text" };
import m0010 from "../../migrations/0010_alert_webhooks.sql" with { type: "text" };
import m0011 from "../../migrations/0011_aliases_shadow_notes.sql" with { type: "text" };
import m0012 from "../../migrations/0012_ingestion.sql" with { type: "text" };
import m0013 from "../../migrations/0013_dataset_profiles.sql" with { type: "text" };
import m0014 from "../../migrations/0014_job_leases.sql" with { type: "text" };
import m0015 from "../../migrations/0015_dataset_formats.sql" with { type: "text" };

export interface Migration {
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { name: "0001_service", sql: m0001 },
  { name: "0002_auth", sql: m0002 },
  { name: "0003_models", sql: m0003 },
  { name: "0004_monitoring", sql: m0004 },
  { name: "0005_prediction_columns", sql: m0005 },
  { name: "0006_ownership", sql: m0006 },
  { name: "0007_prediction_ids", sql: m0007 },
  { name: "0008_retention", sql: m0008 },
  { name: "0009_drift_history", sql: m0009 },
  { name: "0010_alert_webhooks", sql: m0010 },
  { name: "0011_aliases_shadow_notes", sql: m0011 },
  { name: "0012_ingestion", sql: m0012 },
  { name: "0013_dataset_profiles", sql: m0013 },
  { name: "0014_job_leases", sql: m0014 },
  { name: "0015_dataset_formats", sql: m0015 },
];
