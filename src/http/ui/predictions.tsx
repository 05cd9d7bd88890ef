/** @jsxImportSource hono/jsx */
/** `/ui/predictions`: the prediction log (the same operation as `GET /predictions`), filtered and paged. */
import { Hono } from "hono";
import { PredictionsPage } from "../../../views/pages/predictions";
import { ServiceError } from "../../errors";
import { listPredictions } from "../../monitoring/prediction-history";
import type { AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { offsetOf, render, type UiDeps } from "./page";

const PAGE = 50;

/** A typed time as ISO, or null when it is not one. */
const isoOf = (raw: string) => (raw && !Number.isNaN(Date.parse(raw)) ? new Date(raw).toISOString() : null);

export function predictionLogPages(deps: UiDeps<"runtime">) {
  return new Hono<AppEnv>().get("/ui/predictions", requireRole("user"), async (c) => {
    const filter = Object.fromEntries(
      ["model_key", "version", "from", "to"].map((k) => [k, (c.req.query(k) ?? "").trim().slice(0, 100)]),
    );
    const offset = offsetOf(c.req.query("offset"));
    const bad = ["from", "to"].filter((k) => filter[k] && !isoOf(filter[k] as string));
    let error = bad.length ? `${bad.join(" and ")}: not a time (use e.g. 2026-01-01T00:00)` : null;
    await deps.runtime.predictionLog.flush();
    let page = { items: [] as Awaited<ReturnType<typeof listPredictions>>["items"], total: 0 };
    if (!error) {
      try {
        page = await listPredictions(deps.db, signedIn(c), {
          modelKey: filter.model_key || undefined,
          version: filter.version || undefined,
          from: isoOf(filter.from ?? "") ?? undefined,
          to: isoOf(filter.to ?? "") ?? undefined,
          limit: PAGE,
          offset,
        });
      } catch (e) {
        if (!(e instanceof ServiceError) || e.status >= 500) throw e;
        error = e.message;
      }
    }
    const body = (
      <PredictionsPage
        items={page.items}
        total={page.total}
        offset={offset}
        limit={PAGE}
        filter={filter}
        error={error}
      />
    );
    return render(c, deps, "Prediction log", body, { status: error ? 422 : 200 });
  });
}
