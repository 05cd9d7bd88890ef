/**
 * PostgreSQL for tests: with ML_TEST_DATABASE_URL set (a server the tests may create databases
 * on; .ci/run starts one), each caller gets a fresh database with a random name, dropped by
 * `drop()`. Without it the PostgreSQL cases skip with one line, except under CI=true, where a
 * missing PostgreSQL fails them: the CI run must test both databases.
 */
import { SQL } from "bun";

const URL_VAR = "ML_TEST_DATABASE_URL";

/** The dialects the shared suites run on: SQLite always, PostgreSQL when it can (or must) be tested. */
export function testDialects(): ("sqlite" | "postgres")[] {
  if (process.env[URL_VAR] || process.env.CI === "true") return ["sqlite", "postgres"];
  if (!warned) {
    warned = true;
    console.warn(`PostgreSQL cases skipped: ${URL_VAR} is not set (bun scripts/pg-cluster.ts starts a server)`);
  }
  return ["sqlite"];
}
let warned = false;

export interface TestPostgres {
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database on the test server; throws under CI when none is configured. */
export async function freshPostgres(): Promise<TestPostgres> {
  const base = process.env[URL_VAR];
  if (!base) throw new Error(`${URL_VAR} is not set: the PostgreSQL cases cannot run (CI requires them)`);
  const name = `mls_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = new SQL(base, { max: 1 });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.close();
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const again = new SQL(base, { max: 1 });
      await again.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.close();
    },
  };
}
