import * as v from "valibot";
import { addAccount, resetPassword } from "../auth/accounts";
import { createAuthContext } from "../auth/context";
import type { Role } from "../auth/identity";
import { findLiveUser, RoleName, Username } from "../auth/users";
import { ServiceError } from "../errors";
import { silentLogger } from "../log";
import { configFromEnvironment, openStore } from "../service";
import { reportStartupError } from "./errors";
import { EXIT, type Io, parseArgs } from "./io";

export function usage(): string {
  return `Usage: mlservice user <create|passwd|list> [options]

Manages accounts in ML_DB_PATH directly, without the HTTP API (a lost admin password,
scripted set-up). Passwords are read from standard input with --password-stdin (the first
line) or asked for twice at a terminal prompt without echo; never from the command line,
where other users see them in the process list and the shell keeps them in its history.

  user create <username> [--role user|admin|system_admin] [--password-stdin]
                         [--must-change-password] [--inactive]
  user passwd <username> [--password-stdin] [--must-change-password]
        sets a new password, reactivates nothing, ends the user's sessions
  user list [--all] [--json]
        live users (--all: deleted ones too)

Passwords: 10 to 256 characters, two kinds of characters at least (lower, upper, digits,
symbols), not containing the username.

Exit codes: 0 done, 1 refused (user exists, weak password), 2 bad arguments, 3 bad configuration.

Examples:
  mlservice user create alice --role admin
  printf '%s\\n' "$ALICE_PASSWORD" | mlservice user create alice --password-stdin
  mlservice user passwd admin
  mlservice user list --json`;
}

/** Io plus the two ways a password can arrive; tests supply both. */
export interface UserIo extends Io {
  readStdin?: () => Promise<string>;
  promptSecret?: (question: string) => Promise<string>;
}

export async function run(args: string[], io: UserIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, flags, positional, unknown } = parseArgs(rest, {
    values: ["role"],
    flags: ["password-stdin", "must-change-password", "inactive", "all", "json", "password"],
  });
  const fail = (msg: string, code: number = EXIT.usage) => {
    io.err(`mlservice user: ${msg}`);
    return code;
  };
  if (flags.has("password") || rest.some((a) => a.startsWith("--password="))) {
    return fail("--password is not accepted: use --password-stdin or the prompt (argv is visible to every user)");
  }
  if (unknown.length) return fail(unknown.join("; "));
  if (sub !== "create" && sub !== "passwd" && sub !== "list")
    return fail(`expected create, passwd or list\n\n${usage()}`);
  if (sub === "list" ? positional.length !== 0 : positional.length !== 1) {
    return fail(sub === "list" ? "list takes no arguments" : `${sub} needs exactly one username`);
  }
  const role = values.role ?? "user";
  if (!v.is(RoleName, role)) return fail(`--role must be user, admin or system_admin, not ${JSON.stringify(role)}`);

  let store: Awaited<ReturnType<typeof openStore>>;
  let ctx: ReturnType<typeof createAuthContext>;
  try {
    const config = configFromEnvironment(io.env, io.cwd);
    store = await openStore(config);
    ctx = createAuthContext({ db: store.db, stores: store.stores, config, log: silentLogger });
  } catch (e) {
    return reportStartupError(e, io);
  }
  try {
    if (sub === "list") {
      let q = ctx.db.selectFrom("users").selectAll().orderBy("id");
      if (!flags.has("all")) q = q.where("deleted_at", "is", null);
      const rows = await q.execute();
      if (flags.has("json")) {
        io.out(JSON.stringify(rows.map(({ password_hash: _, ...u }) => u)));
      } else {
        io.out(["ID", "USERNAME", "ROLE", "ACTIVE", "MUST_CHANGE", "LAST_LOGIN", "DELETED"].join("\t"));
        for (const u of rows) {
          const cells = [u.id, u.username, u.role, u.is_active ? "yes" : "no", u.must_change_password ? "yes" : "no"];
          io.out([...cells, u.last_login_at ?? "-", u.deleted_at ?? "-"].join("\t"));
        }
      }
      return EXIT.ok;
    }
    const username = positional[0] as string;
    const name = v.safeParse(Username, username);
    if (!name.success) return fail(`the username ${JSON.stringify(username)}: ${name.issues[0].message}`);
    const existing = await findLiveUser(ctx.db, username);
    if (sub === "create" && existing) return fail(`user ${username} exists; use: mlservice user passwd ${username}`, 1);
    if (sub === "passwd" && !existing) return fail(`no user ${username}`, 1);

    const password = await readPassword(io, flags.has("password-stdin"));
    if (password === null) return fail("no password given (standard input is not a terminal: use --password-stdin)", 1);
    const mustChange = flags.has("must-change-password");
    // the password and name rules are the account operations' (src/auth/accounts.ts), as for the API
    if (sub === "create") {
      const user = await addAccount(ctx, {
        username,
        password,
        role: role as Role,
        isActive: !flags.has("inactive"),
        mustChangePassword: mustChange,
      });
      await ctx.events.record({ type: "users:create", source: "system", actor: "cli", subject: username });
      io.out(`created ${user.role} ${user.username} (id ${user.id})`);
    } else if (existing) {
      await resetPassword(ctx, existing, { password, mustChange });
      await ctx.events.record({ type: "auth:password_changed", source: "system", actor: "cli", subject: username });
      io.out(`password of ${existing.username} changed; its sessions were ended`);
    }
    return EXIT.ok;
  } catch (e) {
    if (e instanceof ServiceError) return fail(refusal(e), 1);
    throw e;
  } finally {
    await store.close();
  }
}

/** Every reason a refusal lists (a weak password breaks several rules at once), else its message. */
function refusal(e: ServiceError): string {
  const reasons = Array.isArray(e.details)
    ? e.details.map((d) => (d as { message?: unknown }).message).filter((m): m is string => typeof m === "string")
    : [];
  return reasons.length ? reasons.join("; ") : e.message;
}

async function readPassword(io: UserIo, fromStdin: boolean): Promise<string | null> {
  if (fromStdin) {
    const text = await (io.readStdin ?? (() => Bun.stdin.text()))();
    const line = text.split(/\r?\n/)[0] ?? "";
    return line === "" ? null : line;
  }
  const prompt = io.promptSecret ?? (process.stdin.isTTY ? promptWithoutEcho : null);
  if (!prompt) return null;
  const first = await prompt("New password: ");
  const second = await prompt("Again: ");
  if (first !== second) throw new ServiceError(422, "validation_failed", "the two passwords differ");
  return first;
}

/** Reads one line from the terminal with echo off (raw mode), writing the prompt to stderr. */
function promptWithoutEcho(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    process.stderr.write(question);
    const stdin = process.stdin;
    let value = "";
    stdin.setRawMode(true);
    stdin.resume();
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003") return done(new Error("interrupted"));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on("data", onData);
  });
}
