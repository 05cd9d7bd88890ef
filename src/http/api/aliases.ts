/**
 * Aliases and shadow traffic of a model:
 * `GET /models/{key}/aliases`, `PUT /models/{key}/aliases/{alias}` (`{"version"}`: set or move),
 * `DELETE /models/{key}/aliases/{alias}`; `GET /models/{key}/shadow` (the shadow and how it
 * compares with the serving version on the same rows), `PUT /models/{key}/shadow`
 * (`{"alias"}`: start), `DELETE /models/{key}/shadow` (stop) and `POST /models/{key}/shadow/promote`
 * (the shadow's version serves, through the one activation). Permissions are the domain's
 * (src/registry/aliases.ts, shadow.ts).
 */
import { Hono } from "hono";
import * as v from "valibot";
import { shadowComparison } from "../../monitoring/shadow-comparison";
import { deleteAlias, listAliases, setAlias } from "../../registry/aliases";
import { getShadow, promoteShadow, startShadow, stopShadow } from "../../registry/shadow";
import type { AppDeps, AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { strictBody } from "../strict-body";
import { jsonBody, queryParams } from "../validate";

export const AliasBody = strictBody({ version: v.pipe(v.string(), v.minLength(1)) });
export const ShadowBody = strictBody({ alias: v.optional(v.pipe(v.string(), v.minLength(1)), "challenger") });

export function aliasRoutes(deps: Pick<AppDeps, "db" | "config" | "bus" | "now" | "runtime">) {
  const { db, now } = deps;
  return new Hono<AppEnv>()
    .get("/models/:key/aliases", requireRole("user"), async (c) => {
      const key = c.req.param("key");
      return c.json({ model_key: key, items: await listAliases(db, key) });
    })
    .put("/models/:key/aliases/:alias", requireRole("user"), jsonBody(AliasBody), async (c) => {
      const identity = signedIn(c);
      const set = await setAlias(db, identity, {
        modelKey: c.req.param("key"),
        alias: c.req.param("alias"),
        version: c.req.valid("json").version,
        by: identity.username,
        now: now().toISOString(),
      });
      return c.json(set);
    })
    .delete("/models/:key/aliases/:alias", requireRole("user"), async (c) => {
      return c.json(await deleteAlias(db, signedIn(c), c.req.param("key"), c.req.param("alias")));
    })
    .get(
      "/models/:key/shadow",
      requireRole("user"),
      queryParams(v.object({ version: v.optional(v.string()) })),
      async (c) => {
        const key = c.req.param("key");
        const shadow = await getShadow(db, key);
        const comparison = await shadowComparison(db, key, c.req.valid("query").version);
        return c.json({ model_key: key, shadow, comparison });
      },
    )
    .put("/models/:key/shadow", requireRole("user"), jsonBody(ShadowBody), async (c) => {
      const identity = signedIn(c);
      const started = await startShadow(db, identity, {
        modelKey: c.req.param("key"),
        alias: c.req.valid("json").alias,
        by: identity.username,
        now: now().toISOString(),
      });
      return c.json(started);
    })
    .delete("/models/:key/shadow", requireRole("user"), async (c) => {
      return c.json(await stopShadow(db, signedIn(c), c.req.param("key")));
    })
    .post("/models/:key/shadow/promote", requireRole("user"), async (c) => {
      const identity = signedIn(c);
      const activation = { db, models: deps.runtime.models, bus: deps.bus, config: deps.config, now };
      return c.json(await promoteShadow(activation, identity, identity.username, c.req.param("key")));
    });
}
