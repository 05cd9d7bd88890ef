/**
 * Every change to an account, written once for the API (/auth/profile, /auth/users) and the
 * dashboard (profile and users pages): one's own password, username and deletion (each
 * behind the current password, reauth.ts), and an admin's creation, update and deletion of
 * other accounts (who may manage whom: users.ts). The password rule is passwords.ts's.
 * Each operation adds to the request's audit event through `note`.
 */
import type { Role } from "../db/schema";
import { ServiceError } from "../errors";
import type { AuditNote } from "../events/audit-note";
import type { AuthContext } from "./context";
import type { Identity } from "./identity";
import { assertPasswordRules, hashPassword, verifyPassword } from "./passwords";
import { confirmCurrentPassword } from "./reauth";
import {
  assertCanManage,
  assertNotLastSystemAdmin,
  findLiveUser,
  findUserById,
  insertUser,
  markUserDeleted,
  revokeCredentials,
  type UserRow,
  updateUserRow,
} from "./users";

/** Who asks, from where, and where the audit notes go. */
export interface Actor {
  identity: Identity;
  ip: string;
  note: (note: AuditNote) => void;
}

/** The signed-in user's own row; 401 once the account is deleted. */
export async function ownAccount(ctx: AuthContext, userId: number): Promise<UserRow> {
  const user = await findUserById(ctx.db, userId);
  if (!user || user.deleted_at) throw new ServiceError(401, "unauthorized", "this account no longer exists");
  return user;
}

async function reauthenticated(ctx: AuthContext, a: Actor, currentPassword: string): Promise<UserRow> {
  const user = await ownAccount(ctx, a.identity.userId);
  await confirmCurrentPassword(ctx, { user, password: currentPassword, ip: a.ip, note: a.note });
  return user;
}

async function assertUsernameFree(ctx: AuthContext, username: string, ownerId: number, field: string) {
  const taken = await findLiveUser(ctx.db, username);
  if (taken && taken.id !== ownerId) {
    throw new ServiceError(409, "conflict", `the username ${username} is taken`, { field });
  }
}

/**
 * Replaces one's own password (also an initial one that must be changed). The session in
 * use stays; other sessions end (they may be the reason for the change); API tokens stay.
 */
export async function changeOwnPassword(
  ctx: AuthContext,
  a: Actor,
  input: { currentPassword: string; newPassword: string },
): Promise<void> {
  const user = await reauthenticated(ctx, a, input.currentPassword);
  assertPasswordRules(input.newPassword, user.username, "new_password");
  if (await verifyPassword(input.newPassword, user.password_hash)) {
    throw new ServiceError(422, "validation_failed", "new_password must differ from the current one", [
      { path: "new_password", message: "same as the current password" },
    ]);
  }
  const hash = await hashPassword(input.newPassword, ctx.hashing);
  await updateUserRow(ctx, user.id, { password_hash: hash, must_change_password: 0 }, ctx.now());
  await revokeCredentials(ctx, user.id, ctx.now(), { keepSessionId: a.identity.sessionId });
  a.note({ type: "auth:password_changed", subject: user.username });
}

export async function changeOwnUsername(
  ctx: AuthContext,
  a: Actor,
  input: { currentPassword: string; newUsername: string },
): Promise<UserRow> {
  const user = await reauthenticated(ctx, a, input.currentPassword);
  await assertUsernameFree(ctx, input.newUsername, user.id, "new_username");
  const updated = await updateUserRow(ctx, user.id, { username: input.newUsername }, ctx.now());
  a.note({ type: "auth:username_changed", subject: user.username, output: { new_username: updated.username } });
  return updated;
}

/** Deletes one's own account (not the last active system_admin); its sessions and tokens end. */
export async function deleteOwnAccount(
  ctx: AuthContext,
  a: Actor,
  input: { currentPassword: string },
): Promise<{ id: number }> {
  const user = await reauthenticated(ctx, a, input.currentPassword);
  await assertNotLastSystemAdmin(ctx.db, user, { deleting: true });
  await markUserDeleted(ctx, user.id, ctx.now());
  await revokeCredentials(ctx, user.id, ctx.now(), { tokens: true });
  a.note({ type: "auth:account_deleted", subject: user.username });
  return { id: user.id };
}

/**
 * The operator's reset (`mlservice user passwd`): no current password asked, every session
 * of the user ends; `mustChange` makes the user replace it at the next sign-in.
 */
export async function resetPassword(
  ctx: AuthContext,
  user: UserRow,
  input: { password: string; mustChange: boolean },
): Promise<void> {
  assertPasswordRules(input.password, user.username);
  const hash = await hashPassword(input.password, ctx.hashing);
  await updateUserRow(ctx, user.id, { password_hash: hash, must_change_password: input.mustChange ? 1 : 0 }, ctx.now());
  await revokeCredentials(ctx, user.id, ctx.now());
}

export interface NewAccount {
  username: string;
  password: string;
  role: Role;
  isActive: boolean;
  mustChangePassword: boolean;
}

/**
 * Makes an account with the given role: the password rule, then the row (409 when the name
 * is taken). Who may do it is the caller's: createAccount for the API and dashboard, the
 * operator at the box for `mlservice user create`.
 */
export async function addAccount(ctx: AuthContext, input: NewAccount): Promise<UserRow> {
  assertPasswordRules(input.password, input.username);
  return insertUser(
    ctx.db,
    {
      username: input.username,
      passwordHash: await hashPassword(input.password, ctx.hashing),
      role: input.role,
      isActive: input.isActive,
      mustChangePassword: input.mustChangePassword,
    },
    ctx.now(),
  );
}

/** An admin creates an account (an admin only plain users; a system_admin any role). */
export async function createAccount(ctx: AuthContext, a: Actor, input: NewAccount): Promise<UserRow> {
  assertCanManage(a.identity, { role: input.role }, input.role);
  const user = await addAccount(ctx, input);
  a.note({ type: "users:create", subject: user.username, output: { user_id: user.id, role: user.role } });
  return user;
}

/** A live account an admin may look at; 404 for unknown and deleted ones. */
export async function managedAccount(ctx: AuthContext, userId: number): Promise<UserRow> {
  const user = await findUserById(ctx.db, userId);
  if (!user || user.deleted_at) throw new ServiceError(404, "not_found", "user not found");
  return user;
}

function assertNotSelf(a: Actor, targetId: number, what: string): void {
  if (a.identity.userId === targetId) {
    throw new ServiceError(403, "forbidden", `you cannot ${what} your own account here; use /auth/profile`, {
      reason: "self_management",
    });
  }
}

export interface AccountChanges {
  username?: string | undefined;
  password?: string | undefined;
  role?: Role | undefined;
  isActive?: boolean | undefined;
  mustChangePassword?: boolean | undefined;
}

/**
 * An admin changes another account: name, password, role, active or not. Nobody re-roles or
 * deactivates themselves here, and the last active system_admin stays one. A new password
 * or a deactivation ends the user's sessions; a deactivation its API tokens too.
 */
export async function updateAccount(
  ctx: AuthContext,
  a: Actor,
  userId: number,
  changes: AccountChanges,
): Promise<UserRow> {
  const user = await managedAccount(ctx, userId);
  assertCanManage(a.identity, user, changes.role);
  if ((changes.role !== undefined && changes.role !== user.role) || changes.isActive === false) {
    assertNotSelf(a, user.id, "change the role or deactivate");
  }
  await assertNotLastSystemAdmin(ctx.db, user, { isActive: changes.isActive, role: changes.role });
  const username = changes.username ?? user.username;
  if (changes.username !== undefined) await assertUsernameFree(ctx, changes.username, user.id, "username");
  if (changes.password !== undefined) assertPasswordRules(changes.password, username);
  const updated = await updateUserRow(
    ctx,
    user.id,
    {
      username,
      role: changes.role ?? user.role,
      is_active: changes.isActive === undefined ? user.is_active : changes.isActive ? 1 : 0,
      // an admin-set password is known to the admin: the user must replace it unless told otherwise
      must_change_password:
        changes.mustChangePassword !== undefined
          ? Number(changes.mustChangePassword)
          : changes.password !== undefined
            ? 1
            : user.must_change_password,
      ...(changes.password !== undefined ? { password_hash: await hashPassword(changes.password, ctx.hashing) } : {}),
    },
    ctx.now(),
  );
  if (changes.password !== undefined || changes.isActive === false) {
    await revokeCredentials(ctx, user.id, ctx.now(), { tokens: changes.isActive === false });
  }
  a.note({
    type: "users:update",
    subject: user.username,
    output: { user_id: user.id, role: updated.role, is_active: updated.is_active === 1 },
  });
  return updated;
}

/** An admin deletes another account (soft); its sessions and tokens end. */
export async function deleteAccount(ctx: AuthContext, a: Actor, userId: number): Promise<{ id: number }> {
  const user = await managedAccount(ctx, userId);
  assertNotSelf(a, user.id, "delete");
  assertCanManage(a.identity, user);
  await assertNotLastSystemAdmin(ctx.db, user, { deleting: true });
  await markUserDeleted(ctx, user.id, ctx.now());
  await revokeCredentials(ctx, user.id, ctx.now(), { tokens: true });
  a.note({ type: "users:delete", subject: user.username, output: { user_id: user.id } });
  return { id: user.id };
}
