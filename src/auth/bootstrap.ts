/**
 * First start: with no live system_admin, create ML_ADMIN_USERNAME as one. Its password is
 * ML_ADMIN_PASSWORD, or a generated one printed once through `print` (a plain stdout line,
 * not a JSON log line, so log shippers that keep only JSON never store it) and to be
 * replaced at first sign-in. Once a system_admin exists this does nothing, so the password
 * is never printed again.
 */
import * as v from "valibot";
import { ConfigError } from "../config";
import type { AuthContext } from "./context";
import { generatePassword, hashPassword, passwordProblems } from "./passwords";
import { findLiveUser, insertUser, Username } from "./users";

export interface BootstrapResult {
  created: boolean;
  username: string;
  generated: boolean;
  warnings: string[];
}

export async function bootstrapAdmin(ctx: AuthContext, print: (line: string) => void): Promise<BootstrapResult> {
  const username = ctx.config.ML_ADMIN_USERNAME;
  const live = await ctx.db
    .selectFrom("users")
    .select("id")
    .where("role", "=", "system_admin")
    .where("deleted_at", "is", null)
    .executeTakeFirst();
  if (live) return { created: false, username, generated: false, warnings: [] };

  if (!v.is(Username, username)) {
    throw new ConfigError(`ML_ADMIN_USERNAME=${JSON.stringify(username)}: expected 3 to 64 of A-Z a-z 0-9 _ . -`);
  }
  if (await findLiveUser(ctx.db, username)) {
    throw new ConfigError(
      `ML_ADMIN_USERNAME=${JSON.stringify(username)}: that user exists but no system_admin does; ` +
        "promote one with: mlservice user create <name> --role system_admin",
    );
  }
  const generated = ctx.config.ML_ADMIN_PASSWORD === "";
  const password = generated ? generatePassword() : ctx.config.ML_ADMIN_PASSWORD;
  const warnings = generated
    ? []
    : passwordProblems(password, username).map((p) => `ML_ADMIN_PASSWORD ${p}; change it after signing in`);
  const user = await insertUser(
    ctx.db,
    {
      username,
      passwordHash: await hashPassword(password, ctx.hashing),
      role: "system_admin",
      mustChangePassword: generated,
    },
    ctx.now(),
  );
  if (generated) {
    print(`mlservice: created the system administrator "${username}" with the generated password: ${password}`);
    print("mlservice: this password is shown only once; it must be changed at the first sign-in.");
  }
  await ctx.events.record({
    type: "auth:admin_bootstrap",
    source: "system",
    actor: "system",
    subject: username,
    output: { user_id: user.id, generated },
  });
  return { created: true, username, generated, warnings };
}
