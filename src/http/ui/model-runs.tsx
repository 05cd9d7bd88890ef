/** @jsxImportSource hono/jsx */
/**
 * `/ui/models/{key}/compare?v=…&v=…` (two to four versions side by side, curves on one chart),
 * `/ui/models/{key}/versions/{v}` (one run, with a notes and tags form), and the plain forms of
 * the model page's aliases and shadow: set or remove an alias, start, stop or promote a shadow.
 * Every form works without JavaScript (POST → 303); permissions are the domain operations'.
 */
import { Hono } from "hono";
import { ComparePage, VersionPage } from "../../../views/pages/model-runs";
import { deleteAlias, setAlias } from "../../registry/aliases";
import { versionComparison } from "../../registry/comparison";
import { modelRelation } from "../../registry/ownership";
import { getModel } from "../../registry/registry";
import { promoteShadow, startShadow, stopShadow } from "../../registry/shadow";
import { splitTags, updateVersionNotes } from "../../registry/version-notes";
import type { AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { formFields, render, seeOther, type UiDeps } from "./page";

/** What the model page says after one of these forms (`?done=`). */
export const RUN_NOTICES: Record<string, string> = {
  alias_set: "Alias set.",
  alias_removed: "Alias removed.",
  shadow_started: "The shadow receives a copy of live traffic from now on.",
  shadow_stopped: "Shadow stopped.",
  promoted: "The shadow's version serves now; champion names it.",
};

export function modelRunPages(deps: UiDeps<"bus" | "config" | "now" | "runtime">) {
  const { db } = deps;
  const runsDeps = { db, models: deps.runtime.models };
  const modelPage = (key: string, done: string) => `/ui/models/${encodeURIComponent(key)}?done=${done}`;
  return new Hono<AppEnv>()
    .get("/ui/models/:key/compare", requireRole("user"), async (c) => {
      const key = c.req.param("key");
      const asked = (c.req.queries("v") ?? []).flatMap((s) => s.split(",")).filter(Boolean);
      const cmp = await versionComparison(runsDeps, key, asked);
      const page = <ComparePage modelKey={key} task={cmp.task_type} runs={cmp.versions} />;
      return render(c, deps, `Compare ${key}`, page);
    })
    .get("/ui/models/:key/versions/:version", requireRole("user"), async (c) => {
      const key = c.req.param("key");
      const model = await getModel(db, key);
      const [run] = (await versionComparison(runsDeps, key, [c.req.param("version")], { min: 1 })).versions;
      if (!run) throw new Error("a comparison of one version returned none");
      const relation = await modelRelation(db, signedIn(c), key);
      const page = (
        <VersionPage
          modelKey={key}
          task={model.task_type}
          run={run}
          canChange={relation !== "none"}
          csrf={signedIn(c).csrfToken}
        />
      );
      const notice = c.req.query("done") === "notes" ? "Notes and tags saved." : null;
      return render(c, deps, `${key} ${run.version}`, page, { notice });
    })
    .post("/ui/models/:key/versions/:version/notes", requireRole("user"), async (c) => {
      const key = c.req.param("key");
      const version = c.req.param("version");
      const f = await formFields(c);
      await updateVersionNotes(db, signedIn(c), key, version, {
        notes: (f.notes ?? "").replace(/\r\n/g, "\n"),
        tags: splitTags(f.tags ?? ""),
      });
      return seeOther(c, `/ui/models/${encodeURIComponent(key)}/versions/${encodeURIComponent(version)}?done=notes`);
    })
    .post("/ui/models/:key/aliases", requireRole("user"), async (c) => {
      const key = c.req.param("key");
      const f = await formFields(c);
      const identity = signedIn(c);
      await setAlias(db, identity, {
        modelKey: key,
        alias: (f.alias ?? "").trim(),
        version: f.version ?? "",
        by: identity.username,
        now: deps.now().toISOString(),
      });
      return seeOther(c, modelPage(key, "alias_set"));
    })
    .post("/ui/models/:key/aliases/:alias/remove", requireRole("user"), async (c) => {
      const key = c.req.param("key");
      await deleteAlias(db, signedIn(c), key, c.req.param("alias"));
      return seeOther(c, modelPage(key, "alias_removed"));
    })
    .post("/ui/models/:key/shadow", requireRole("user"), async (c) => {
      const key = c.req.param("key");
      const f = await formFields(c);
      const identity = signedIn(c);
      await startShadow(db, identity, {
        modelKey: key,
        alias: f.alias ?? "challenger",
        by: identity.username,
        now: deps.now().toISOString(),
      });
      return seeOther(c, modelPage(key, "shadow_started"));
    })
    .post("/ui/models/:key/shadow/stop", requireRole("user"), async (c) => {
      const key = c.req.param("key");
      await stopShadow(db, signedIn(c), key);
      return seeOther(c, modelPage(key, "shadow_stopped"));
    })
    .post("/ui/models/:key/shadow/promote", requireRole("user"), async (c) => {
      const key = c.req.param("key");
      const identity = signedIn(c);
      const activation = { db, models: deps.runtime.models, bus: deps.bus, config: deps.config, now: deps.now };
      await promoteShadow(activation, identity, identity.username, key);
      return seeOther(c, modelPage(key, "promoted"));
    });
}
