/**
 * User accounts: queries and the rules about who may change whom. Usernames are 3–64
 * characters of [A-Za-z0-9_.-], unique without regard to case among live (not deleted)
 * users. Deletion is soft: the row stays for the audit trail, its sessions and tokens die.
 */
import type { Kysely, Selectable } from "kysely";
import * as v from "valibot";
import type { DB, Role, UsersTable } from "../db/schema";
import { ServiceError } from "../errors";
import type { CredentialWriter } from "./context";
import { hasRole, type Identity, ROLES } from "./identity";
import { PASSWORD_MAX } from "./passwords";

export type UserRow = Selectable<UsersTable>;

export const Username = v.pipe(
  v.string("a string"),
  v.minLength(3, "3 to 64 characters"),
  v.maxLength(64, "3 to 64 characters"),
  v.regex(/^[A-Za-z0-9_.-]+$/, "only letters, digits, '_', '.' and '-'"),
);
/** Length only: the rules (passwordProblems) need the username too and run in the handler. */
export const Password = v.pipe(v.string("a string"), v.maxLength(PASSWORD_MAX, `at most ${PASSWORD_MAX} characters`));
export const RoleName = v.picklist(ROLES, "one of user, admin, system_admin");

/** What the API shows of a user; never the hash. */
export function publicUser(u: UserRow) {
  return {
    id: u.id,
    username: u.username,
    role: u.role,
    /** seed 001's name for the role */
    tier: u.role,
    is_active: u.is_active === 1,
    must_change_password: u.must_change_password === 1,
    created_at: u.created_at,
    updated_at: u.updated_at,
    last_login_at: u.last_login_at,
    deleted_at: u.deleted_at,
  };
}

export function findLiveUser(db: Kysely<DB>, username: string): Promise<UserRow | undefined> {
  return db
    .selectFrom("users")
    .selectAll()
    .where("username", "=", username)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
}

export function findUserById(db: Kysely<DB>, id: number): Promise<UserRow | undefined> {
  return db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function insertUser(
  db: Kysely<DB>,
  u: { username: string; passwordHash: string; role: Role; isActive?: boolean; mustChangePassword?: boolean },
  now: Date,
): Promise<UserRow> {
  if (await findLiveUser(db, u.username)) {
    throw new ServiceError(409, "conflict", `the username ${u.username} is taken`, { field: "username" });
  }
  const at = now.toISOString();
  return db
    .insertInto("users")
    .values({
      username: u.username,
      password_hash: u.passwordHash,
      role: u.role,
      is_active: u.isActive === false ? 0 : 1,
      must_change_password: u.mustChangePassword ? 1 : 0,
      created_at: at,
      updated_at: at,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function countActiveSystemAdmins(db: Kysely<DB>): Promise<number> {
  const { n } = await db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("role", "=", "system_admin")
    .where("is_active", "=", 1)
    .where("deleted_at", "is", null)
    .executeTakeFirstOrThrow();
  return Number(n);
}

/**
 * May `actor` change or delete `target`, or give it `role`? A system_admin manages anyone;
 * an admin manages plain users only and cannot hand out admin roles; nobody else manages.
 */
export function assertCanManage(actor: Identity, target: { role: Role }, newRole?: Role): void {
  if (actor.role === "system_admin") return;
  if (!hasRole(actor.role, "admin")) throw new ServiceError(403, "forbidden", "only admins manage users");
  if (target.role !== "user" || (newRole !== undefined && newRole !== "user")) {
    throw new ServiceError(403, "forbidden", "only a system_admin manages admins and system admins", {
      reason: "system_admin_required",
    });
  }
}

/**
 * Refuses to delete, deactivate or demote the last active system_admin: without one, nobody
 * could manage admins again short of editing the database.
 */
export async function assertNotLastSystemAdmin(
  db: Kysely<DB>,
  target: UserRow,
  change: { deleting?: boolean; isActive?: boolean; role?: Role },
): Promise<void> {
  if (target.role !== "system_admin" || target.is_active !== 1 || target.deleted_at !== null) return;
  const losing =
    change.deleting === true ||
    change.isActive === false ||
    (change.role !== undefined && change.role !== "system_admin");
  if (!losing) return;
  if ((await countActiveSystemAdmins(db)) <= 1) {
    throw new ServiceError(409, "conflict", "this is the last active system_admin; promote another user first", {
      reason: "last_system_admin",
    });
  }
}

/** Ends every way the user can act: sessions and API tokens (except one session, if kept). */
export async function revokeCredentials(
  w: CredentialWriter,
  userId: number,
  now: Date,
  opts: { keepSessionId?: number | null; tokens?: boolean } = {},
): Promise<void> {
  const at = now.toISOString();
  let q = w.db
    .updateTable("sessions")
    .set({ revoked_at: at })
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null);
  if (opts.keepSessionId != null) q = q.where("id", "!=", opts.keepSessionId);
  await q.execute();
  if (opts.tokens) {
    await w.db
      .updateTable("api_tokens")
      .set({ revoked_at: at })
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .execute();
  }
  w.identities.changed();
}

/** Filters of the admins' user list; deleted accounts only when asked. */
export interface UserListQuery {
  role?: Role | undefined;
  includeDeleted: boolean;
  limit: number;
  offset: number;
}

export async function listUsers(db: Kysely<DB>, q: UserListQuery): Promise<{ items: UserRow[]; total: number }> {
  let query = db.selectFrom("users");
  if (q.role) query = query.where("role", "=", q.role);
  if (!q.includeDeleted) query = query.where("deleted_at", "is", null);
  const { total } = await query.select((eb) => eb.fn.countAll<number>().as("total")).executeTakeFirstOrThrow();
  const items = await query.selectAll().orderBy("id").limit(q.limit).offset(q.offset).execute();
  return { items, total: Number(total) };
}

/** Live accounts by name, as the dashboard's user table lists them. */
export function listLiveUsersByName(db: Kysely<DB>, limit: number): Promise<UserRow[]> {
  return db.selectFrom("users").selectAll().where("deleted_at", "is", null).orderBy("username").limit(limit).execute();
}

/** Writes the changed columns (with `updated_at`) and returns the row as stored; cached identities of the user go. */
export async function updateUserRow(
  w: CredentialWriter,
  id: number,
  changes: Partial<Pick<UserRow, "username" | "password_hash" | "role" | "is_active" | "must_change_password">>,
  now: Date,
): Promise<UserRow> {
  const row = await w.db
    .updateTable("users")
    .set({ ...changes, updated_at: now.toISOString() })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  w.identities.changed();
  return row;
}

/** Soft deletion: the row stays for the audit trail, inactive and marked deleted. */
export async function markUserDeleted(w: CredentialWriter, id: number, now: Date): Promise<void> {
  const at = now.toISOString();
  await w.db.updateTable("users").set({ deleted_at: at, is_active: 0, updated_at: at }).where("id", "=", id).execute();
  w.identities.changed();
}

export async function touchLastLogin(db: Kysely<DB>, id: number, at: string): Promise<void> {
  await db.updateTable("users").set({ last_login_at: at }).where("id", "=", id).execute();
}
