/**
 * The migrations, embedded in the binary in name order, in both dialects: migrations/NNNN_name.sql
 * for SQLite and migrations/postgres/NNNN_name.sql, the same change for PostgreSQL. Frozen in
 * time: a released migration is never edited, a change comes as the next file (in both folders).
 * test/db/migrations.test.ts checks this list against both folders so that none is forgotten.
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
import m0016 from "../../migrations/0016_batched_inputs.sql" with { type: "text" };
import p0001 from "../../migrations/postgres/0001_service.sql" with { type: "text" };
import p0002 from "../../migrations/postgres/0002_auth.sql" with { type: "text" };
import p0003 from "../../migrations/postgres/0003_models.sql" with { type: "text" };
import p0004 from "../../migrations/postgres/0004_monitoring.sql" with { type: "text" };
import p0005 from "../../migrations/postgres/0005_prediction_columns.sql" with { type: "text" };
import p0006 from "../../migrations/postgres/0006_ownership.sql" with { type: "text" };
import p0007 from "../../migrations/postgres/0007_prediction_ids.sql" with { type: "text" };
import p0008 from "../../migrations/postgres/0008_retention.sql" with { type: "text" };
import p0009 from "../../migrations/postgres/0009_drift_history.sql" with { type: "text" };
import p0010 from "../../migrations/postgres/0010_alert_webhooks.sql" with { type: "text" };
import p0011 from "../../migrations/postgres/0011_aliases_shadow_notes.sql" with { type: "text" };
import p0012 from "../../migrations/postgres/0012_ingestion.sql" with { type: "text" };
import p0013 from "../../migrations/postgres/0013_dataset_profiles.sql" with { type: "text" };
import p0014 from "../../migrations/postgres/0014_job_leases.sql" with { type: "text" };
import p0015 from "../../migrations/postgres/0015_dataset_formats.sql" with { type: "text" };
import p0016 from "../../migrations/postgres/0016_batched_inputs.sql" with { type: "text" };

export interface Migration {
  name: string;
  /** the SQLite text */
  sql: string;
  /** the PostgreSQL text of the same change */
  postgres: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { name: "0001_service", sql: m0001, postgres: p0001 },
  { name: "0002_auth", sql: m0002, postgres: p0002 },
  { name: "0003_models", sql: m0003, postgres: p0003 },
  { name: "0004_monitoring", sql: m0004, postgres: p0004 },
  { name: "0005_prediction_columns", sql: m0005, postgres: p0005 },
  { name: "0006_ownership", sql: m0006, postgres: p0006 },
  { name: "0007_prediction_ids", sql: m0007, postgres: p0007 },
  { name: "0008_retention", sql: m0008, postgres: p0008 },
  { name: "0009_drift_history", sql: m0009, postgres: p0009 },
  { name: "0010_alert_webhooks", sql: m0010, postgres: p0010 },
  { name: "0011_aliases_shadow_notes", sql: m0011, postgres: p0011 },
  { name: "0012_ingestion", sql: m0012, postgres: p0012 },
  { name: "0013_dataset_profiles", sql: m0013, postgres: p0013 },
  { name: "0014_job_leases", sql: m0014, postgres: p0014 },
  { name: "0015_dataset_formats", sql: m0015, postgres: p0015 },
  { name: "0016_batched_inputs", sql: m0016, postgres: p0016 },
];
