/**
 * deploy/grafana and deploy/prometheus: every series a dashboard panel or an alert rule reads is
 * one that GET /metrics declares, so a renamed metric cannot leave a silent panel or a rule that
 * never fires. (CI also runs `promtool check rules` and `promtool test rules` on the rules.)
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { testApp } from "./helpers";

const DEPLOY = join(import.meta.dir, "..", "deploy");

async function declaredSeries(): Promise<Set<string>> {
  const { app } = testApp();
  const text = await (await app.request("/metrics")).text();
  const names = new Set<string>(["up"]);
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, kind] = m as unknown as [string, string, string];
    names.add(name);
    if (kind === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(name + s);
  }
  return names;
}

const SERIES = /\b((?:mlservice|process|http)_[a-z0-9_]+|up)\s*\{/g;
const seriesIn = (expr: string) => [...expr.matchAll(SERIES)].map((m) => m[1] as string);

interface Panel {
  title: string;
  targets?: { expr: string }[];
}

describe("monitoring files in deploy/", () => {
  test("the Grafana dashboard reads only series /metrics declares, one query at least per panel", async () => {
    const known = await declaredSeries();
    const dashboard = JSON.parse(readFileSync(join(DEPLOY, "grafana", "mlservice-dashboard.json"), "utf8"));
    expect(dashboard.uid).toBe("mlservice");
    const panels = dashboard.panels as Panel[];
    expect(panels.length).toBeGreaterThan(5);
    for (const p of panels) {
      const used = (p.targets ?? []).flatMap((t) => seriesIn(t.expr));
      expect({ panel: p.title, some: used.length > 0 }).toEqual({ panel: p.title, some: true });
      expect({ panel: p.title, unknown: used.filter((s) => !known.has(s)) }).toEqual({ panel: p.title, unknown: [] });
    }
  });

  test("the Prometheus rules read only series /metrics declares", async () => {
    const known = await declaredSeries();
    const rules = Bun.YAML.parse(readFileSync(join(DEPLOY, "prometheus", "mlservice-rules.yml"), "utf8")) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    const all = rules.groups.flatMap((g) => g.rules);
    expect(all.length).toBeGreaterThan(5);
    for (const r of all) {
      const used = seriesIn(r.expr);
      expect({ rule: r.alert, some: used.length > 0 }).toEqual({ rule: r.alert, some: true });
      expect({ rule: r.alert, unknown: used.filter((s) => !known.has(s)) }).toEqual({ rule: r.alert, unknown: [] });
    }
  });
});
