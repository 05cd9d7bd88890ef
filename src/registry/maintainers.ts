/**
 * A model's owner and maintainers, as `GET /models/{key}` and the model page show them, and the
 * operations that name or remove maintainers. Only the owner and admins may change the list: a
 * maintainer may change the model but not who else may (so a maintainer cannot entrench others).
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import { clip, conflict, notFound, ServiceError } from "../errors";
import { type Actor, modelRelation } from "./ownership";
import { getModel } from "./registry";

export interface Maintainer {
  username: string;
  added_by: string | null;
  added_at: string;
}

export interface ModelPeople {
  owner: string | null;
  maintainers: Maintainer[];
}

/** Public metadata: who owns the model (null for a model made by the system) and who maintains it. */
export async function modelPeople(db: Kysely<DB>, modelKey: string): Promise<ModelPeople> {
  const model = await getModel(db, modelKey);
  const owner =
    model.created_by === null
      ? undefined
      : await db.selectFrom("users").select("username").where("id", "=", model.created_by).executeTakeFirst();
  const rows = await db
    .selectFrom("model_maintainers as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .leftJoin("users as a", "a.id", "m.added_by")
    .select(["u.username", "a.username as added_by", "m.added_at"])
    .where("m.model_key", "=", modelKey)
    .orderBy("u.username")
    .execute();
  return { owner: owner?.username ?? null, maintainers: rows };
}

async function assertOwnerOrAdmin(db: Kysely<DB>, actor: Actor, modelKey: string) {
  const relation = await modelRelation(db, actor, modelKey);
  if (relation !== "owner" && relation !== "admin") {
    throw new ServiceError(
      403,
      "forbidden",
      `only the owner of model ${modelKey} and admins may change its maintainers`,
      {
        reason: "not_model_owner",
        model_key: modelKey,
      },
    );
  }
}

async function userNamed(db: Kysely<DB>, username: string) {
  const user = await db
    .selectFrom("users")
    .select(["id", "username"])
    .where("username", "=", username)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
  if (!user) throw notFound(`user ${clip(username)}`);
  return user;
}

/** Names `username` a maintainer (idempotent: naming one twice is not an error). */
export async function addMaintainer(db: Kysely<DB>, actor: Actor, modelKey: string, username: string, now: string) {
  const model = await getModel(db, modelKey);
  await assertOwnerOrAdmin(db, actor, modelKey);
  const user = await userNamed(db, username);
  if (user.id === model.created_by) throw conflict(`${user.username} owns model ${modelKey} already`);
  await db
    .insertInto("model_maintainers")
    .values({ model_key: modelKey, user_id: user.id, added_by: actor.userId || null, added_at: now })
    .onConflict((oc) => oc.columns(["model_key", "user_id"]).doNothing())
    .execute();
  return modelPeople(db, modelKey);
}

/** Removes `username` from the maintainers; 404 when they are not one. */
export async function removeMaintainer(db: Kysely<DB>, actor: Actor, modelKey: string, username: string) {
  await getModel(db, modelKey);
  await assertOwnerOrAdmin(db, actor, modelKey);
  const user = await userNamed(db, username);
  const removed = await db
    .deleteFrom("model_maintainers")
    .where("model_key", "=", modelKey)
    .where("user_id", "=", user.id)
    .executeTakeFirst();
  if (Number(removed.numDeletedRows) === 0) throw notFound(`maintainer ${user.username} of model ${modelKey}`);
  return modelPeople(db, modelKey);
}
