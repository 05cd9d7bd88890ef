/**
 * `/auth/users`: account management for admins. The rules (users.ts): an admin manages
 * plain users; only a system_admin manages admins and system admins; nobody deletes,
 * deactivates or re-roles themselves here (the profile endpoints are for one's own account);
 * the last active system_admin cannot be deleted, deactivated or demoted.
 */
import { type Context, Hono } from "hono";
import * as v from "valibot";
import { createAccount, deleteAccount, managedAccount, updateAccount } from "../../auth/accounts";
import type { AuthContext } from "../../auth/context";
import { listUsers, Password, publicUser, RoleName, Username } from "../../auth/users";
import type { AppEnv } from "../env";
import { actorOf } from "../middleware/actor";
import { noteAudit } from "../middleware/audit";
import { requireRole } from "../middleware/route-access";
import { responds } from "../route-doc";
import { strictBody } from "../strict-body";
import { jsonBody, pathParam, queryParams } from "../validate";
import { PublicUser, page } from "./shapes";

/** Seed 001 calls the role `tier`: either name works; both at once must agree. */
const oneRole = <B extends { role?: string | undefined; tier?: string | undefined }>(b: B) =>
  b.role === undefined || b.tier === undefined || b.role === b.tier;
const ROLE_CONFLICT = "tier and role are one thing: give one of them, or both the same";
const TierOrRole = { role: v.optional(RoleName), tier: v.optional(RoleName) };

const CreateUserBody = v.pipe(
  strictBody({
    username: Username,
    password: Password,
    ...TierOrRole,
    is_active: v.optional(v.boolean("true or false"), true),
    must_change_password: v.optional(v.boolean("true or false"), true),
  }),
  v.forward(v.check(oneRole, ROLE_CONFLICT), ["tier"]),
  v.transform(({ tier, role, ...b }) => ({ ...b, role: role ?? tier ?? "user" })),
);
const UpdateUserBody = v.pipe(
  v.strictObject({
    username: v.optional(Username),
    password: v.optional(Password),
    ...TierOrRole,
    is_active: v.optional(v.boolean("true or false")),
    must_change_password: v.optional(v.boolean("true or false")),
  }),
  v.check((b) => Object.keys(b).length > 0, "nothing to change"),
  v.forward(v.check(oneRole, ROLE_CONFLICT), ["tier"]),
  v.transform(({ tier, role, ...b }) => ({ ...b, role: role ?? tier })),
);
const intParam = (min: number, max: number, fallback: number) =>
  v.optional(
    v.pipe(v.string(), v.regex(/^\d+$/, "a whole number"), v.toNumber(), v.integer(), v.minValue(min), v.maxValue(max)),
    String(fallback),
  );
const ListQuery = v.object({
  role: v.optional(RoleName),
  include_deleted: v.optional(v.picklist(["true", "false"], "true or false"), "false"),
  limit: intParam(1, 1000, 100),
  offset: intParam(0, 1e9, 0),
});
const UserId = v.pipe(v.string(), v.regex(/^\d{1,15}$/, "a user id"), v.transform(Number));

const USER_ID = { params: { user_id: v.pipe(v.number(), v.integer(), v.minValue(1)) } };
const UserAnswer = v.object({ user: PublicUser });

export function usersRoutes(ctx: AuthContext) {
  const userId = (c: Context<AppEnv>) => pathParam("user_id", UserId, c.req.param("user_id"));

  return new Hono<AppEnv>()
    .get(
      "/auth/users",
      requireRole("admin"),
      queryParams(ListQuery),
      responds({ 200: page(PublicUser) }),
      async (c) => {
        const q = c.req.valid("query");
        const page = await listUsers(ctx.db, {
          role: q.role,
          includeDeleted: q.include_deleted === "true",
          limit: q.limit,
          offset: q.offset,
        });
        return c.json({ items: page.items.map(publicUser), total: page.total, limit: q.limit, offset: q.offset });
      },
    )
    .post(
      "/auth/users",
      requireRole("admin"),
      jsonBody(CreateUserBody),
      responds({ 201: UserAnswer }, { errors: { 409: "the username is taken" } }),
      async (c) => {
        const body = c.req.valid("json");
        const user = await createAccount(ctx, actorOf(c), {
          username: body.username,
          password: body.password,
          role: body.role,
          isActive: body.is_active,
          mustChangePassword: body.must_change_password,
        });
        return c.json({ user: publicUser(user) }, 201);
      },
    )
    .get("/auth/users/:user_id", requireRole("admin"), responds({ 200: UserAnswer }, USER_ID), async (c) => {
      return c.json({ user: publicUser(await managedAccount(ctx, userId(c))) });
    })
    .put(
      "/auth/users/:user_id",
      requireRole("admin"),
      jsonBody(UpdateUserBody),
      responds({ 200: UserAnswer }, { ...USER_ID, errors: [409] }),
      async (c) => {
        const body = c.req.valid("json");
        const updated = await updateAccount(ctx, actorOf(c), userId(c), {
          username: body.username,
          password: body.password,
          role: body.role,
          isActive: body.is_active,
          mustChangePassword: body.must_change_password,
        });
        // the event records which fields were sent (secrets redacted), not the default body summary
        noteAudit(c, { input: body });
        return c.json({ user: publicUser(updated) });
      },
    )
    .delete(
      "/auth/users/:user_id",
      requireRole("admin"),
      responds({ 200: v.object({ deleted: v.literal(true), id: v.number() }) }, { ...USER_ID, errors: [409] }),
      async (c) => {
        const deleted = await deleteAccount(ctx, actorOf(c), userId(c));
        return c.json({ deleted: true, id: deleted.id });
      },
    );
}
