/**
 * A model's maintainers: `GET /models/{key}/maintainers` (anyone signed in: public metadata),
 * `PUT /models/{key}/maintainers/{username}` (add; idempotent) and
 * `DELETE /models/{key}/maintainers/{username}`. Adding and removing is for the model's owner
 * and admins (src/registry/maintainers.ts decides; 403 otherwise, 404 unknown model or user).
 * Each change is recorded by the audit middleware like every other request.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { addMaintainer, modelPeople, removeMaintainer } from "../../registry/maintainers";
import type { AppDeps, AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { responds } from "../route-doc";
import { Timestamp } from "./shapes";

const People = v.object({
  model_key: v.string(),
  owner: v.nullable(v.string()),
  maintainers: v.array(v.object({ username: v.string(), added_by: v.nullable(v.string()), added_at: Timestamp })),
});

export function maintainersRoutes(deps: Pick<AppDeps, "db" | "now">) {
  const { now } = deps;
  return new Hono<AppEnv>()
    .get("/models/:key/maintainers", requireRole("user"), responds({ 200: People }), async (c) => {
      const key = c.req.param("key");
      return c.json({ model_key: key, ...(await modelPeople(deps.db, key)) });
    })
    .put("/models/:key/maintainers/:username", requireRole("user"), responds({ 200: People }), async (c) => {
      const key = c.req.param("key");
      const people = await addMaintainer(deps.db, signedIn(c), key, c.req.param("username"), now().toISOString());
      return c.json({ model_key: key, ...people });
    })
    .delete("/models/:key/maintainers/:username", requireRole("user"), responds({ 200: People }), async (c) => {
      const key = c.req.param("key");
      const people = await removeMaintainer(deps.db, signedIn(c), key, c.req.param("username"));
      return c.json({ model_key: key, ...people });
    });
}
