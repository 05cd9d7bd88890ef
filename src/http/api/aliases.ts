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
import { responds } from "../route-doc";
import { strictBody } from "../strict-body";
import { jsonBody, queryParams } from "../validate";
import { Activated, Alias, Timestamp } from "./shapes";

export const AliasBody = strictBody({ version: v.pipe(v.string(), v.minLength(1)) });
export const ShadowBody = strictBody({ alias: v.optional(v.pipe(v.string(), v.minLength(1)), "challenger") });

const Aliases = v.object({ model_key: v.string(), items: v.array(Alias) });
const AliasSet = v.object({
  ...Alias.entries,
  model_key: v.string(),
  previous_version: v.pipe(v.nullable(v.string()), v.description("what the alias named before; null for a new one")),
});
const AliasDeleted = v.object({
  model_key: v.string(),
  alias: v.string(),
  deleted: v.literal(true),
  shadow_stopped: v.pipe(v.boolean(), v.description("a shadow that followed this alias stopped with it")),
});
const Shadow = v.object({
  model_key: v.string(),
  alias: v.string(),
  version: v.string(),
  started_by: v.nullable(v.string()),
  started_at: Timestamp,
});
const ShadowScore = v.object({
  metric: v.picklist(["accuracy", "mae"]),
  rows: v.pipe(v.number(), v.description("rows with a label")),
  live: v.nullable(v.number()),
  shadow: v.nullable(v.number()),
});
const ShadowState = v.object({
  model_key: v.string(),
  shadow: v.nullable(Shadow),
  comparison: v.object({
    model_key: v.string(),
    version: v.nullable(v.string()),
    live_versions: v.array(v.string()),
    rows: v.number(),
    agreement: v.pipe(v.nullable(v.number()), v.description("share of rows with the same class (classification)")),
    mean_abs_difference: v.pipe(v.nullable(v.number()), v.description("mean |shadow − live| (regression)")),
    labelled: ShadowScore,
  }),
});
const Promoted = v.object({
  ...Activated.entries,
  promoted_from_alias: v.string(),
  aliases: v.array(Alias),
});

export function aliasRoutes(deps: Pick<AppDeps, "db" | "config" | "bus" | "now" | "runtime">) {
  const { db, now } = deps;
  return new Hono<AppEnv>()
    .get("/models/:key/aliases", requireRole("user"), responds({ 200: Aliases }), async (c) => {
      const key = c.req.param("key");
      return c.json({ model_key: key, items: await listAliases(db, key) });
    })
    .put(
      "/models/:key/aliases/:alias",
      requireRole("user"),
      jsonBody(AliasBody),
      responds({ 200: AliasSet }),
      async (c) => {
        const identity = signedIn(c);
        const set = await setAlias(db, identity, {
          modelKey: c.req.param("key"),
          alias: c.req.param("alias"),
          version: c.req.valid("json").version,
          by: identity.username,
          now: now().toISOString(),
        });
        return c.json(set);
      },
    )
    .delete("/models/:key/aliases/:alias", requireRole("user"), responds({ 200: AliasDeleted }), async (c) => {
      return c.json(await deleteAlias(db, signedIn(c), c.req.param("key"), c.req.param("alias")));
    })
    .get(
      "/models/:key/shadow",
      requireRole("user"),
      queryParams(v.object({ version: v.optional(v.string()) })),
      responds({ 200: ShadowState }),
      async (c) => {
        const key = c.req.param("key");
        const shadow = await getShadow(db, key);
        const comparison = await shadowComparison(db, key, c.req.valid("query").version);
        return c.json({ model_key: key, shadow, comparison });
      },
    )
    .put("/models/:key/shadow", requireRole("user"), jsonBody(ShadowBody), responds({ 200: Shadow }), async (c) => {
      const identity = signedIn(c);
      const started = await startShadow(db, identity, {
        modelKey: c.req.param("key"),
        alias: c.req.valid("json").alias,
        by: identity.username,
        now: now().toISOString(),
      });
      return c.json(started);
    })
    .delete(
      "/models/:key/shadow",
      requireRole("user"),
      responds({ 200: v.object({ model_key: v.string(), stopped: v.literal(true) }) }),
      async (c) => {
        return c.json(await stopShadow(db, signedIn(c), c.req.param("key")));
      },
    )
    .post(
      "/models/:key/shadow/promote",
      requireRole("user"),
      responds({ 200: Promoted }, { errors: [409, 503] }),
      async (c) => {
        const identity = signedIn(c);
        const activation = { db, models: deps.runtime.models, bus: deps.bus, config: deps.config, now };
        return c.json(await promoteShadow(activation, identity, identity.username, c.req.param("key")));
      },
    );
}
