import { type Config, ConfigError } from "../config";
import { DatabaseError } from "../db/database";
import { MigrationError } from "../db/migrator";
import { configFromEnvironment, openStore, type Store } from "../service";
import { EXIT, type Io } from "./io";

/**
 * Turns the errors an operator can act on into one line on stderr and an exit code;
 * anything else is a bug and is rethrown with its stack.
 */
export function reportStartupError(e: unknown, io: Io): number {
  if (e instanceof ConfigError) {
    io.err(`mlservice: configuration error: ${e.message}`);
    return EXIT.config;
  }
  if (e instanceof DatabaseError || e instanceof MigrationError) {
    io.err(`mlservice: ${e.message}`);
    return EXIT.failure;
  }
  throw e;
}

/**
 * The configuration and the opened database, as every offline command starts; on a bad
 * setting or an unopenable database the one line is written and the exit code returned.
 */
export async function openForCommand(io: Io): Promise<{ config: Config; store: Store } | number> {
  try {
    const config = configFromEnvironment(io.env, io.cwd);
    return { config, store: await openStore(config) };
  } catch (e) {
    return reportStartupError(e, io);
  }
}
