/**
 * Builds the service's long-lived parts from the environment: configuration, logger,
 * database (migrated). Shared by `serve` and every CLI command that touches the store.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Config, ConfigError, configWarnings, loadConfig } from "./config";
import { openDatabase } from "./db/open";
import type { OpenDatabase } from "./db/stores";

/**
 * The configuration from the process environment and one settings file: `ML_ENV_FILE` (which
 * must be readable) or, if present, `.env` in the working directory. The file is parsed as
 * KEY=VALUE text, never executed; `.env.local` and friends are not read.
 */
export function configFromEnvironment(env: Record<string, string | undefined>, cwd: string): Config {
  return loadConfig(env, settingsFile(env, cwd));
}

/** The configuration and what start-up should warn about it (src/config.ts configWarnings). */
export function configWithWarnings(
  env: Record<string, string | undefined>,
  cwd: string,
): { config: Config; warnings: string[] } {
  const text = settingsFile(env, cwd);
  return { config: loadConfig(env, text), warnings: configWarnings(env, text) };
}

function settingsFile(env: Record<string, string | undefined>, cwd: string): string {
  const named = env.ML_ENV_FILE?.trim();
  if (named) {
    const file = resolve(cwd, named);
    try {
      return readFileSync(file, "utf8");
    } catch (e) {
      throw new ConfigError(`ML_ENV_FILE=${JSON.stringify(named)}: cannot read ${file} (${(e as Error).message})`);
    }
  }
  const file = join(cwd, ".env");
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

/** What Bun.serve's `tls` option takes: the PEM certificate (chain) and private key. */
export interface TlsFiles {
  cert: string;
  key: string;
}

/**
 * With ML_USE_HTTPS, the certificate and key read now, so that a missing or unreadable file
 * stops start-up as a configuration error (exit 3) rather than at the first connection.
 * Relative paths are taken from the working directory.
 */
export function tlsFromConfig(config: Config, cwd: string): TlsFiles | null {
  if (!config.ML_USE_HTTPS) return null;
  const read = (name: "ML_SSL_CERT_FILE" | "ML_SSL_KEY_FILE", what: string) => {
    const file = resolve(cwd, config[name]);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new ConfigError(`${name}=${JSON.stringify(config[name])}: cannot read ${file} (${(e as Error).message})`);
    }
    if (!text.includes("-----BEGIN "))
      throw new ConfigError(`${name}=${JSON.stringify(config[name])}: expected ${what}`);
    return text;
  };
  return { cert: read("ML_SSL_CERT_FILE", "a PEM certificate"), key: read("ML_SSL_KEY_FILE", "a PEM private key") };
}

/** The open database: the one Kysely handle and the hot-path stores (db/stores.ts). */
export type Store = OpenDatabase;

/** Opens and migrates the database; throws DatabaseError or MigrationError with one clear line. */
export function openStore(config: Config): Promise<Store> {
  return openDatabase(config);
}
