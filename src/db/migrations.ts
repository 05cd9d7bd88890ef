/**
 * The migrations, embedded in the binary in name order. Frozen in time: a released migration
 * is never edited, a change comes as the next file. test/db/migrations.test.ts checks this
 * list against the migrations/ folder so that none is forgotten.
 */
import m0001 from "../../migrations/0001_service.sql" with { type: "text" };

export interface Migration {
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [{ name: "0001_service", sql: m0001 }];
