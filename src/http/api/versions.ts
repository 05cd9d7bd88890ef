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
import { responds } from "../route-doc";
import { strictBody } from "../strict-body";
import { jsonBody, queryParams } from "../validate";
import { Version } from "./shapes";

export const VersionNotesBody = strictBody({
  notes: v.optional(v.pipe(v.string(), v.maxLength(MAX_NOTES))),
  tags: v.optional(v.pipe(v.array(v.string()), v.maxLength(MAX_TAGS))),
});

/** `versions=1.0.0,1.1.0` (commas) or the parameter repeated */
const CompareQuery = v.object({ versions: v.union([v.string(), v.array(v.string())]) });

const VersionDetail = v.object({
  model_key: v.string(),
  ...Version.entries,
  aliases: v.pipe(v.array(v.string()), v.description("the aliases naming this version")),
});
const Curves = v.object({
  model_key: v.string(),
  version: v.string(),
  status: v.string(),
  epochs: v.number(),
  validation_metric: v.picklist(["accuracy", "r2"]),
  source: v.pipe(v.picklist(["recorded", "artifact", "none"]), v.description("where the curves were read from")),
  loss: v.pipe(v.array(v.number()), v.description("training loss per epoch")),
  validation_score: v.pipe(v.array(v.number()), v.description("held-out score per epoch (early stopping)")),
});
const Comparison = v.object({
  model_key: v.string(),
  task_type: v.picklist(["classification", "regression"]),
  versions: v.array(v.object({ ...VersionDetail.entries, curves: Curves })),
});

export function versionRoutes(deps: Pick<AppDeps, "db" | "runtime">) {
  const { db } = deps;
  const curvesDeps = { db, models: deps.runtime.models };
  return new Hono<AppEnv>()
    .get("/models/:key/versions/:version", requireRole("user"), responds({ 200: VersionDetail }), async (c) => {
      return c.json(await versionDetail(db, c.req.param("key"), c.req.param("version")));
    })
    .patch(
      "/models/:key/versions/:version",
      requireRole("user"),
      jsonBody(VersionNotesBody),
      responds({ 200: VersionDetail }),
      async (c) => {
        const key = c.req.param("key");
        const version = c.req.param("version");
        await updateVersionNotes(db, signedIn(c), key, version, c.req.valid("json"));
        return c.json(await versionDetail(db, key, version));
      },
    )
    .get("/models/:key/versions/:version/curves", requireRole("user"), responds({ 200: Curves }), async (c) => {
      return c.json(await versionCurves(curvesDeps, c.req.param("key"), c.req.param("version")));
    })
    .get(
      "/models/:key/compare",
      requireRole("user"),
      queryParams(CompareQuery),
      responds({ 200: Comparison }),
      async (c) => {
        const versions = [c.req.valid("query").versions]
          .flat()
          .flatMap((s) => s.split(","))
          .map((s) => s.trim())
          .filter(Boolean);
        return c.json(await versionComparison(curvesDeps, c.req.param("key"), versions));
      },
    );
}
