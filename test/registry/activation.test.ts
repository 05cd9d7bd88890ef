/**
 * The one activation: a train job, a retrain, the API's rollback and the dashboard's rollback
 * all make a version serve through registry/activation.ts, so each publishes the same events
 * (who and why beside them), and each rollback leaves the same record.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { csvRows } from "../ml-service/helpers";
import { type Client, signedInUser } from "../ml-service/people";
import { Browser, startUi } from "../ui/helpers";

let svc: Awaited<ReturnType<typeof startUi>>;
let olivia: Client;
let browser: Browser;
const seen: { type: string; payload: Record<string, unknown> }[] = [];
const train = {
  model_key: "iris",
  target_field: "species",
  items: csvRows("iris_train.csv"),
  hyperparameters: { max_iter: 20 },
};

beforeAll(async () => {
  svc = await startUi();
  olivia = await signedInUser(svc, "olivia");
  browser = new Browser(svc.app);
  await browser.signIn("olivia", "olivia-Pass-1234");
  svc.bus.subscribeAll((payload, type) => {
    if (type.startsWith("models:")) seen.push({ type, payload: payload as Record<string, unknown> });
  });
});
afterAll(() => svc.close());

/** The models:* events that `act` publishes. */
async function eventsOf(act: () => Promise<unknown>) {
  seen.length = 0;
  await act();
  await svc.runtime.jobs.idle();
  return seen.splice(0);
}

const rollbacks = () =>
  svc.db.selectFrom("rollbacks").select(["from_version", "to_version", "by"]).orderBy("id").execute();

const activeVersion = async () =>
  (await svc.db.selectFrom("models").select("active_version").executeTakeFirstOrThrow()).active_version;

/** What every activation publishes, whatever its path. */
function expectActivation(
  events: { type: string; payload: Record<string, unknown> }[],
  a: { version: string; from: string | null; reason: string; by: string | RegExp },
) {
  expect(events.map((e) => e.type)).toEqual(["models:activated", "models:metrics_updated"]);
  const [activated, metrics] = events.map((e) => e.payload);
  expect(activated).toMatchObject({
    model_key: "iris",
    version: a.version,
    previous_version: a.from,
    reason: a.reason,
  });
  if (typeof a.by === "string") expect(activated?.by).toBe(a.by);
  else expect(String(activated?.by)).toMatch(a.by);
  expect(metrics).toMatchObject({ model_key: "iris", version: a.version, active: true });
  expect((metrics?.metrics as { accuracy?: number } | undefined)?.accuracy).toBeGreaterThan(0);
}

describe("activation", () => {
  test("train, retrain, API rollback and dashboard rollback publish the same events; rollbacks are recorded alike", async () => {
    const first = await eventsOf(async () => expect((await olivia.send("/train", { json: train })).status).toBe(202));
    expectActivation(first, { version: "1.0.0", from: null, reason: "trained", by: /^job / });
    const second = await eventsOf(async () => expect((await olivia.send("/train", { json: train })).status).toBe(202));
    expectActivation(second, { version: "1.1.0", from: "1.0.0", reason: "trained", by: /^job / });

    // the same data and seed as 1.1.0: the retrain scores the same and is activated
    const retrained = await eventsOf(async () => {
      const res = await olivia.send("/models/iris/retrain", { method: "POST" });
      expect(res.status).toBe(202);
    });
    expectActivation(retrained, { version: "1.2.0", from: "1.1.0", reason: "retrained", by: /^job / });
    expect(await rollbacks()).toEqual([]); // fits are not rollbacks

    const api = await eventsOf(async () => {
      const res = await olivia.send("/models/iris/rollback/1.0.0", { method: "POST" });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        model_key: "iris",
        previous_version: "1.2.0",
        active_version: "1.0.0",
        status: "rolled_back",
      });
    });
    expectActivation(api, { version: "1.0.0", from: "1.2.0", reason: "rollback", by: "olivia" });

    const ui = await eventsOf(async () => {
      expect((await browser.post("/ui/models/iris/rollback/1.1.0")).status).toBe(303);
    });
    expectActivation(ui, { version: "1.1.0", from: "1.0.0", reason: "rollback", by: "olivia" });

    expect(await rollbacks()).toEqual([
      { from_version: "1.2.0", to_version: "1.0.0", by: "olivia" },
      { from_version: "1.0.0", to_version: "1.1.0", by: "olivia" },
    ]);
    expect(await activeVersion()).toBe("1.1.0");
    // rolling back from the retrained version marks its retraining reverted
    const retraining = (await olivia.send("/retrainings?model_key=iris")).body.items[0];
    expect(retraining).toMatchObject({ new_version: "1.2.0", status: "activated" });
    expect(retraining.reverted_at).not.toBeNull();
  }, 120_000);

  test("a refused rollback changes nothing and publishes nothing", async () => {
    const before = await rollbacks();
    const stranger = await signedInUser(svc, "oscar");
    const events = await eventsOf(async () => {
      expect((await stranger.send("/models/iris/rollback/1.0.0", { method: "POST" })).status).toBe(403);
      expect((await olivia.send("/models/iris/rollback/9.9.9", { method: "POST" })).status).toBe(404);
    });
    expect(events).toEqual([]);
    expect(await rollbacks()).toEqual(before);
    expect(await activeVersion()).toBe("1.1.0");
  });
});
