/** @jsxImportSource hono/jsx */
/** `/ui/metrics` (everyone), `/ui/events` and `/ui/users` (admins), over the same queries and rules as the API. */
import { Hono } from "hono";
import * as v from "valibot";
import { emptyForm, type FormState } from "../../../views/components/form";
import { EventsPage, MetricsPage, UsersPage } from "../../../views/pages/admin";
import { createAccount, updateAccount } from "../../auth/accounts";
import { listLiveUsersByName, RoleName, Username } from "../../auth/users";
import { listEvents } from "../../events/queries";
import { metricsOverview } from "../../registry/metrics-overview";
import type { AppEnv } from "../env";
import { actorOf } from "../middleware/actor";
import { requireRole, signedIn } from "../middleware/route-access";
import { type Ctx, formError, formFields, render, seeOther, statusOf, type UiDeps } from "./page";

const PAGE = 100;

export function adminPages(deps: UiDeps<"auth">) {
  const { db } = deps;
  const ctx = deps.auth;
  const users = async (c: Ctx, form: FormState = emptyForm(), status: 200 | 422 | 403 | 409 = 200) => {
    const me = signedIn(c);
    const rows = await listLiveUsersByName(db, 1000);
    const roles = me.role === "system_admin" ? ["user", "admin", "system_admin"] : ["user"];
    return render(
      c,
      deps,
      "Users",
      <UsersPage users={rows} csrf={me.csrfToken} form={form} roles={roles} self={me.userId} />,
      { status },
    );
  };

  return new Hono<AppEnv>()
    .get("/ui/metrics", requireRole("user"), async (c) => {
      const o = await metricsOverview(db, { model: c.req.query("model") });
      const body = (
        <MetricsPage
          summary={o.summary}
          predictions={o.predictions}
          labels={o.labels}
          series={o.series}
          model={o.model}
          models={o.models}
        />
      );
      return render(c, deps, "Metrics", body);
    })
    .get("/ui/events", requireRole("admin"), async (c) => {
      const q = c.req.query();
      const suspicious = q.suspicious === "true";
      const status = /^\d{3}$/.test(q.status ?? "") ? Number(q.status) : undefined;
      const source = q.source === "api" || q.source === "gui" || q.source === "system" ? q.source : undefined;
      const beforeId = /^\d{1,15}$/.test(q.before_id ?? "") ? Number(q.before_id) : undefined;
      const page = await listEvents(db, {
        type: q.type || undefined,
        user: q.user || undefined,
        source,
        status,
        suspicious: suspicious || undefined,
        before_id: beforeId,
        limit: PAGE,
        offset: 0,
      });
      const last = page.items.at(-1);
      const filter = {
        type: q.type ?? "",
        user: q.user ?? "",
        source: source ?? "",
        status: status ? String(status) : "",
      };
      const nextQuery = new URLSearchParams({
        ...filter,
        ...(suspicious ? { suspicious: "true" } : {}),
        before_id: String(last?.id ?? ""),
      });
      const next = page.items.length === PAGE && last ? `/ui/events?${nextQuery}` : null;
      return render(
        c,
        deps,
        "Events",
        <EventsPage items={page.items} total={page.total} filter={filter} next={next} suspicious={suspicious} />,
      );
    })
    .get("/ui/users", requireRole("admin"), (c) => users(c))
    .post("/ui/users", requireRole("admin"), async (c) => {
      const f = await formFields(c);
      const values = { username: f.username ?? "", role: f.role ?? "user" };
      try {
        const body = v.parse(v.object({ username: Username, role: RoleName }), values);
        await createAccount(ctx, actorOf(c), {
          username: body.username,
          password: f.password ?? "",
          role: body.role,
          isActive: true,
          mustChangePassword: true,
        });
        return seeOther(c, "/ui/users");
      } catch (e) {
        return users(c, formError(e, values), statusOf(e));
      }
    })
    .post("/ui/users/:id/:action{activate|deactivate}", requireRole("admin"), async (c) => {
      const active = c.req.param("action") === "activate";
      await updateAccount(ctx, actorOf(c), Number(c.req.param("id")) || -1, { isActive: active });
      return seeOther(c, "/ui/users");
    });
}
