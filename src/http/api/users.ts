/**
 * `/auth/users`: account management for admins. The rules (users.ts): an admin manages
 * plain users; only a system_admin manages admins and system admins; nobody deletes,
 * deactivates or re-roles themselves here (the profile endpoints are for one's own account);
 * the last active system_admin cannot be deleted, deactivated or demoted.
 */
import { Hono } from "hono";
import * as v from "valibot";
import type { AuthContext } from "../../auth/context";
import type { Identity } from "../../auth/identity";
import { assertPasswordRules, hashPassword } from "../../auth/passwords";
import { requireRole, signedIn } from "../../auth/routes-policy";
import {
  assertCanManage,
  assertNotLastSystemAdmin,
  findLiveUser,
  findUserById,
  insertUser,
  Password,
  publicUser,
  RoleName,
  revokeCredentials,
  Username,
} from "../../auth/users";
import { noteAudit } from "../../events/audit";
import type { AppEnv } from "../env";
import { ApiError, notFound } from "../errors";
import { strictBody } from "../strict-body";
import { jsonBody, pathParam, queryParams } from "../validate";

const CreateUserBody = strictBody({
  username: Username,
  password: Password,
  role: v.optional(RoleName, "user"),
  is_active: v.optional(v.boolean("true or false"), true),
  must_change_password: v.optional(v.boolean("true or false"), true),
});
const UpdateUserBody = v.pipe(
  v.strictObject({
    username: v.optional(Username),
    password: v.optional(Password),
    role: v.optional(RoleName),
    is_active: v.optional(v.boolean("true or false")),
    must_change_password: v.optional(v.boolean("true or false")),
  }),
  v.check((b) => Object.keys(b).length > 0, "nothing to change"),
);
const intParam = (min: number, max: number, fallback: number) =>
  v.optional(
    v.pipe(v.string(), v.regex(/^\d+$/, "a whole number"), v.transform(Number), v.minValue(min), v.maxValue(max)),
    String(fallback),
  );
const ListQuery = v.object({
  role: v.optional(RoleName),
  include_deleted: v.optional(v.picklist(["true", "false"], "true or false"), "false"),
  limit: intParam(1, 1000, 100),
  offset: intParam(0, 1e9, 0),
});
const UserId = v.pipe(v.string(), v.regex(/^\d{1,15}$/, "a user id"), v.transform(Number));

export function usersRoutes(ctx: AuthContext) {
  const target = async (raw: string) => {
    const user = await findUserById(ctx.db, pathParam("user_id", UserId, raw));
    if (!user || user.deleted_at) throw notFound("user");
    return user;
  };
  const notSelf = (identity: Identity, id: number, what: string) => {
    if (identity.userId === id) {
      throw new ApiError(403, "forbidden", `you cannot ${what} your own account here; use /auth/profile`, {
        reason: "self_management",
      });
    }
  };

  return new Hono<AppEnv>()
    .get("/auth/users", requireRole("admin"), queryParams(ListQuery), async (c) => {
      const q = c.req.valid("query");
      let query = ctx.db.selectFrom("users");
      if (q.role) query = query.where("role", "=", q.role);
      if (q.include_deleted !== "true") query = query.where("deleted_at", "is", null);
      const { total } = await query.select((eb) => eb.fn.countAll<number>().as("total")).executeTakeFirstOrThrow();
      const rows = await query.selectAll().orderBy("id").limit(q.limit).offset(q.offset).execute();
      return c.json({ items: rows.map(publicUser), total: Number(total), limit: q.limit, offset: q.offset });
    })
    .post("/auth/users", requireRole("admin"), jsonBody(CreateUserBody), async (c) => {
      const body = c.req.valid("json");
      assertCanManage(signedIn(c), { role: body.role }, body.role);
      assertPasswordRules(body.password, body.username);
      const user = await insertUser(
        ctx.db,
        {
          username: body.username,
          passwordHash: await hashPassword(body.password, ctx.hashing),
          role: body.role,
          isActive: body.is_active,
          mustChangePassword: body.must_change_password,
        },
        ctx.now(),
      );
      noteAudit(c, { type: "users:create", subject: user.username, output: { user_id: user.id, role: user.role } });
      return c.json({ user: publicUser(user) }, 201);
    })
    .get("/auth/users/:user_id", requireRole("admin"), async (c) => {
      return c.json({ user: publicUser(await target(c.req.param("user_id"))) });
    })
    .put("/auth/users/:user_id", requireRole("admin"), jsonBody(UpdateUserBody), async (c) => {
      const identity = signedIn(c);
      const body = c.req.valid("json");
      const user = await target(c.req.param("user_id"));
      assertCanManage(identity, user, body.role);
      if ((body.role !== undefined && body.role !== user.role) || body.is_active === false) {
        notSelf(identity, user.id, "change the role or deactivate");
      }
      await assertNotLastSystemAdmin(ctx.db, user, { isActive: body.is_active, role: body.role });
      const username = body.username ?? user.username;
      if (body.username !== undefined) {
        const taken = await findLiveUser(ctx.db, body.username);
        if (taken && taken.id !== user.id)
          throw new ApiError(409, "conflict", `the username ${body.username} is taken`);
      }
      if (body.password !== undefined) assertPasswordRules(body.password, username);
      const updated = await ctx.db
        .updateTable("users")
        .set({
          username,
          role: body.role ?? user.role,
          is_active: body.is_active === undefined ? user.is_active : body.is_active ? 1 : 0,
          // an admin-set password is known to the admin: the user must replace it unless told otherwise
          must_change_password:
            body.must_change_password !== undefined
              ? Number(body.must_change_password)
              : body.password !== undefined
                ? 1
                : user.must_change_password,
          ...(body.password !== undefined ? { password_hash: await hashPassword(body.password, ctx.hashing) } : {}),
          updated_at: ctx.now().toISOString(),
        })
        .where("id", "=", user.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      // a new password or a deactivation ends the user's sign-ins; deactivation ends its tokens too
      if (body.password !== undefined || body.is_active === false) {
        await revokeCredentials(ctx.db, user.id, ctx.now(), { tokens: body.is_active === false });
      }
      noteAudit(c, {
        type: "users:update",
        subject: user.username,
        input: body,
        output: { user_id: user.id, role: updated.role, is_active: updated.is_active === 1 },
      });
      return c.json({ user: publicUser(updated) });
    })
    .delete("/auth/users/:user_id", requireRole("admin"), async (c) => {
      const identity = signedIn(c);
      const user = await target(c.req.param("user_id"));
      notSelf(identity, user.id, "delete");
      assertCanManage(identity, user);
      await assertNotLastSystemAdmin(ctx.db, user, { deleting: true });
      const at = ctx.now().toISOString();
      await ctx.db
        .updateTable("users")
        .set({ deleted_at: at, is_active: 0, updated_at: at })
        .where("id", "=", user.id)
        .execute();
      await revokeCredentials(ctx.db, user.id, ctx.now(), { tokens: true });
      noteAudit(c, { type: "users:delete", subject: user.username, output: { user_id: user.id } });
      return c.json({ deleted: true, id: user.id });
    });
}
