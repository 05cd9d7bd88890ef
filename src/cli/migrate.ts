import { configFromEnvironment, openStore } from "../service";
import { reportStartupError } from "./errors";
import { EXIT, type Io, parseArgs } from "./io";

export function usage(): string {
  return `Usage: mlservice migrate

Applies pending database migrations to the database of ML_DATABASE_URL (SQLite at
ML_DB_PATH when unset, or PostgreSQL) and exits. \`serve\` does this too at
start-up; run it alone to upgrade the schema before starting a new version.

Exit codes: 0 up to date, 1 a migration failed (the database is left as it was),
3 bad configuration.

Examples:
  mlservice migrate
  ML_DB_PATH=/var/lib/mlservice/ml_store.db mlservice migrate
  ML_DATABASE_URL=postgres://mlservice:secret@db:5432/mlservice mlservice migrate`;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { positional, unknown } = parseArgs(args, {});
  if (unknown.length || positional.length) {
    io.err(`mlservice migrate: ${[...unknown, ...positional.map((p) => `unexpected argument ${p}`)].join("; ")}`);
    return EXIT.usage;
  }
  try {
    const store = await openStore(configFromEnvironment(io.env, io.cwd));
    const { applied, current } = store.migration;
    await store.close();
    io.out(
      applied.length ? `applied ${applied.length} migration(s): ${applied.join(", ")}` : `up to date at ${current}`,
    );
    return EXIT.ok;
  } catch (e) {
    return reportStartupError(e, io);
  }
}
