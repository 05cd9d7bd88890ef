/**
 * Who may do what to a model and to what a user made. A model belongs to the user whose first
 * fit created it (`models.created_by`); the owner or an admin may name maintainers. The owner,
 * its maintainers and admins may change the model (train new versions, retrain, roll back, set
 * thresholds, name maintainers, delete); anyone signed in may predict with it and read its
 * public metadata. Jobs, prediction results and datasets are their creator's and the admins'
 * (and a model's owner and maintainers see the jobs of that model).
 *
 * These checks belong to the domain operations, so the API, the dashboard and the CLI share them:
 *
 * ```ts
 * await assertCanChangeModel(db, actor, "churn", "roll back");   // 404 unknown model, 403 not allowed
 * if (!canSeeOwnRecord(actor, dataset.created_by)) throw notFound(`dataset ${id}`);
 * ```
 */
import type { Kysely } from "kysely";
import { hasRole, type Role } from "../auth/identity";
import type { DB } from "../db/schema";
import { notFound, ServiceError } from "../errors";

/** Who acts: a signed-in user (the HTTP identity satisfies this), or the system (schedules, CLI). */
export interface Actor {
  userId: number;
  role: Role;
}

/** The schedule, the CLI and retraining act as the system: allowed everything. */
export const SYSTEM: Actor = { userId: 0, role: "system_admin" };

export type ModelRelation = "admin" | "owner" | "maintainer" | "none";

export const isAdmin = (actor: Actor) => hasRole(actor.role, "admin");

/** A record someone made (a job, a dataset, a prediction batch): its creator and admins see it. */
export function canSeeOwnRecord(actor: Actor, createdBy: number | null | undefined): boolean {
  return isAdmin(actor) || (createdBy !== null && createdBy !== undefined && createdBy === actor.userId);
}

/** How `actor` stands to a model that exists (owner before maintainer; admin before both). */
export async function modelRelation(db: Kysely<DB>, actor: Actor, modelKey: string): Promise<ModelRelation> {
  const model = await db.selectFrom("models").select("created_by").where("model_key", "=", modelKey).executeTakeFirst();
  if (!model) throw notFound(`model ${modelKey}`);
  if (isAdmin(actor)) return "admin";
  if (model.created_by === actor.userId) return "owner";
  const m = await db
    .selectFrom("model_maintainers")
    .select("user_id")
    .where("model_key", "=", modelKey)
    .where("user_id", "=", actor.userId)
    .executeTakeFirst();
  return m ? "maintainer" : "none";
}

/** True when `actor` may change the model: admin, owner or maintainer. */
export async function canChangeModel(db: Kysely<DB>, actor: Actor, modelKey: string): Promise<boolean> {
  return (await modelRelation(db, actor, modelKey)) !== "none";
}

/**
 * 404 when the model does not exist, 403 when `actor` may not change it. `action` says what was
 * refused, in the user's words ("train a new version of", "roll back").
 */
export async function assertCanChangeModel(
  db: Kysely<DB>,
  actor: Actor,
  modelKey: string,
  action: string,
): Promise<ModelRelation> {
  const relation = await modelRelation(db, actor, modelKey);
  if (relation === "none") {
    throw new ServiceError(
      403,
      "forbidden",
      `only the owner of model ${modelKey}, its maintainers and admins may ${action} it`,
      { reason: "not_model_maintainer", model_key: modelKey },
    );
  }
  return relation;
}

/** The model keys whose jobs `userId` sees as owner or maintainer (for list filters). */
export async function maintainedModelKeys(db: Kysely<DB>, userId: number): Promise<string[]> {
  const owned = await db.selectFrom("models").select("model_key").where("created_by", "=", userId).execute();
  const maintained = await db
    .selectFrom("model_maintainers")
    .select("model_key")
    .where("user_id", "=", userId)
    .execute();
  return [...new Set([...owned, ...maintained].map((r) => r.model_key))].sort();
}

/**
 * True when `actor` may see a job: its creator, admins, and the owner and maintainers of its
 * model. A `predict` job is a prediction result, so it stays its creator's and the admins'.
 */
export async function canSeeJob(
  db: Kysely<DB>,
  actor: Actor,
  job: { created_by: number | null; model_key: string | null; type: string },
): Promise<boolean> {
  if (canSeeOwnRecord(actor, job.created_by)) return true;
  if (job.model_key === null || job.type === "predict") return false;
  try {
    return (await modelRelation(db, actor, job.model_key)) !== "none";
  } catch (err) {
    if (err instanceof ServiceError && err.status === 404) return false;
    throw err;
  }
}
