/**
 * The few SQL expressions that differ between SQLite and PostgreSQL, kept inside src/db so
 * domain code builds one query for both: the Kysely handle says which database it talks to.
 */
import { type Expression, type Kysely, PostgresAdapter, type RawBuilder, sql } from "kysely";

/** True when the handle talks to PostgreSQL. */
// biome-ignore lint/suspicious/noExplicitAny: any schema
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** The length of a JSON array stored as text. */
// biome-ignore lint/suspicious/noExplicitAny: any schema
export function jsonArrayLength(db: Kysely<any>, text: Expression<string>): RawBuilder<number> {
  return isPostgres(db) ? sql<number>`json_array_length(${text}::json)` : sql<number>`json_array_length(${text})`;
}

/** The first `n` elements of a JSON array stored as text, as JSON text, cut in the database. */
// biome-ignore lint/suspicious/noExplicitAny: any schema
export function jsonArrayHead(db: Kysely<any>, text: Expression<string>, n: number): RawBuilder<string> {
  return isPostgres(db)
    ? sql<string>`(select coalesce(json_agg(e.value order by e.ord), '[]'::json)::text from json_array_elements(${text}::json) with ordinality as e(value, ord) where e.ord <= ${n})`
    : sql<string>`(select json_group_array(value) from (select value from json_each(${text}) where key < ${n} order by key))`;
}
