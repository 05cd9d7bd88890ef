/**
 * The dashboard's runs, aliases and shadow, with plain forms (no JavaScript): versions compared
 * side by side with their curves on one chart, notes and tags saved from a version's page, an
 * alias set, a shadow started, compared on the model page and promoted.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { csvRows } from "../ml-service/helpers";
import { type Client, signedInUser } from "../ml-service/people";
import { Browser, mainText, startUi } from "./helpers";

let svc: Awaited<ReturnType<typeof startUi>>;
let api: Client;
let owner: Browser;
let other: Browser;
const probe = csvRows("iris_test.csv").map(({ species: _, ...f }) => f);

beforeAll(async () => {
  svc = await startUi();
  api = await signedInUser(svc, "olivia");
  await signedInUser(svc, "oscar");
  owner = new Browser(svc.app);
  await owner.signIn("olivia", "olivia-Pass-1234");
  other = new Browser(svc.app);
  await other.signIn("oscar", "oscar-Pass-1234");
  const train = { model_key: "iris", target_field: "species", items: csvRows("iris_train.csv") };
  for (const max_iter of [8, 20, 30]) {
    expect((await api.send("/train", { json: { ...train, hyperparameters: { max_iter } } })).status).toBe(202);
    await svc.runtime.jobs.idle();
  }
});
afterAll(() => svc.close());

/** The polylines of the SVG chart whose title starts with `title`. */
function chartLines(html: string, title: string): string[] {
  const figures = html.split("<figure").filter((f) => f.includes(`<title`) && f.includes(`>${title}`));
  expect(figures).toHaveLength(1);
  return [...(figures[0] as string).matchAll(/<polyline[^>]*points="([^"]*)"/g)].map((m) => m[1] as string);
}

describe("runs in the dashboard", () => {
  test("the model page's compare form leads to two or more versions side by side, curves on one chart", async () => {
    const model = await other.get("/ui/models/iris");
    expect(model.text).toContain('action="/ui/models/iris/compare"');
    expect(model.text).toContain('name="v" value="1.2.0"');
    const page = await other.get("/ui/models/iris/compare?v=1.0.0&v=1.1.0&v=1.2.0");
    expect(page.status).toBe(200);
    const text = mainText(page.text);
    expect(text).toContain("Compare versions of iris");
    expect(text).toContain("max_iter 8 20 30");
    // one line per version on the loss chart, each as long as that version's epochs
    const lines = chartLines(page.text, "Training loss per epoch");
    expect(lines).toHaveLength(3);
    const curves = await Promise.all(
      ["1.0.0", "1.1.0", "1.2.0"].map(async (v) => (await api.send(`/models/iris/versions/${v}/curves`)).body),
    );
    expect(lines.map((l) => l.split(" ").length)).toEqual(curves.map((c) => c.loss.length));
    expect((await other.get("/ui/models/iris/compare?v=1.0.0")).status).toBe(422);
  });

  test("notes and tags are saved from the version page with a plain form; others see no form and get 403", async () => {
    const page = await owner.get("/ui/models/iris/versions/1.1.0");
    expect(page.status).toBe(200);
    expect(page.text).toContain("Save notes and tags");
    const saved = await owner.post("/ui/models/iris/versions/1.1.0/notes", {
      notes: "twenty epochs\r\nsame data",
      tags: "baseline, small",
    });
    expect(saved.status).toBe(303);
    expect(saved.location).toBe("/ui/models/iris/versions/1.1.0?done=notes");
    const after = mainText((await other.get("/ui/models/iris/versions/1.1.0")).text);
    expect(after).toContain("twenty epochs same data");
    expect(after).toContain("tags: baseline, small");
    expect((await api.send("/models/iris/versions/1.1.0")).body).toMatchObject({
      notes: "twenty epochs\nsame data",
      tags: ["baseline", "small"],
    });
    expect((await other.get("/ui/models/iris/versions/1.1.0")).text).not.toContain("Save notes and tags");
    expect((await other.post("/ui/models/iris/versions/1.1.0/notes", { notes: "mine" })).status).toBe(403);
  });

  test("an alias and a shadow are set with plain forms; the model page compares them; promotion is one button", async () => {
    expect((await other.post("/ui/models/iris/aliases", { alias: "challenger", version: "1.0.0" })).status).toBe(403);
    const set = await owner.post("/ui/models/iris/aliases", { alias: "challenger", version: "1.0.0" });
    expect(set.status).toBe(303);
    const started = await owner.post("/ui/models/iris/shadow", { alias: "challenger" });
    expect(started.status).toBe(303);
    expect(started.location).toBe("/ui/models/iris?done=shadow_started");

    const live = await api.send("/predict", { json: { model_key: "iris", data: probe } });
    await svc.runtime.shadow.drain();
    const reference = await api.send("/predict", { json: { model_key: "iris", version: "1.0.0", data: probe } });
    const agree = live.body.predictions.filter(
      (p: { prediction: unknown }, i: number) => p.prediction === reference.body.predictions[i].prediction,
    ).length;
    const page = mainText((await other.get("/ui/models/iris")).text);
    expect(page).toContain(`Shadow 1.0.0 against the serving version (1.2.0) on the same ${probe.length} rows`);
    expect(page).toContain(`agreement ${((agree / probe.length) * 100).toFixed(1)}%`);
    expect(page).not.toContain("Promote 1.0.0"); // not for others

    const promoted = await owner.post("/ui/models/iris/shadow/promote");
    expect(promoted.status).toBe(303);
    const model = (await api.send("/models/iris")).body;
    expect(model.active_version).toBe("1.0.0");
    expect(model.aliases.map((a: { alias: string }) => a.alias)).toEqual(["champion"]);
    expect(mainText((await owner.get(promoted.location as string)).text)).toContain("The shadow's version serves now");
  });
});
