/**
 * Runs and their comparison: `GET /models/{key}/versions/{v}` (parameters, metrics, notes, tags,
 * aliases), `PATCH /models/{key}/versions/{v}` (`{"notes", "tags"}`: owner, maintainers,
 * admins), `GET /models/{key}/versions/{v}/curves` (per-epoch training loss and validation
 * score) and `GET /models/{key}/compare?versions=1.0.0,1.1.0` (two to eight versions with
 * their curves).
 */
import { Hono } from "hono";
import * as v from "valibot";
import { versionComparison, versionDetail } from "../../registry/comparison";
import { versionCurves } from "../../registry/curves";
import { MAX_NOTES, MAX_TAGS, updateVersionNotes } from "../../registry/version-notes";
import type { AppDeps, AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { strictBody } from "../strict-body";
import { jsonBody, queryParams } from "../validate";

export const VersionNotesBody = strictBody({
  notes: v.optional(v.pipe(v.string(), v.maxLength(MAX_NOTES))),
  tags: v.optional(v.pipe(v.array(v.string()), v.maxLength(MAX_TAGS))),
});

/** `versions=1.0.0,1.1.0` (commas) or the parameter repeated */
const CompareQuery = v.object({ versions: v.union([v.string(), v.array(v.string())]) });

export function versionRoutes(deps: Pick<AppDeps, "db" | "runtime">) {
  const { db } = deps;
  const curvesDeps = { db, models: deps.runtime.models };
  return new Hono<AppEnv>()
    .get("/models/:key/versions/:version", requireRole("user"), async (c) => {
      return c.json(await versionDetail(db, c.req.param("key"), c.req.param("version")));
    })
    .patch("/models/:key/versions/:version", requireRole("user"), jsonBody(VersionNotesBody), async (c) => {
      const key = c.req.param("key");
      const version = c.req.param("version");
      await updateVersionNotes(db, signedIn(c), key, version, c.req.valid("json"));
      return c.json(await versionDetail(db, key, version));
    })
    .get("/models/:key/versions/:version/curves", requireRole("user"), async (c) => {
      return c.json(await versionCurves(curvesDeps, c.req.param("key"), c.req.param("version")));
    })
    .get("/models/:key/compare", requireRole("user"), queryParams(CompareQuery), async (c) => {
      const versions = [c.req.valid("query").versions]
        .flat()
        .flatMap((s) => s.split(","))
        .map((s) => s.trim())
        .filter(Boolean);
      return c.json(await versionComparison(curvesDeps, c.req.param("key"), versions));
    });
}
