import { ConfigError } from "../config";
import { DatabaseError } from "../db/database";
import { MigrationError } from "../db/migrator";
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
