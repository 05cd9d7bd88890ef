import { describe, expect, test } from "bun:test";
import { maySeeJob } from "../../src/jobs/visibility";
import { addSession, addUser, datasetsApp } from "../datasets/helpers";

type T = Awaited<ReturnType<typeof datasetsApp>>;

/** alice made a train job of model `churn`, owned by owen and maintained by mia; bob is nobody to it. */
async function world() {
  const t = await datasetsApp();
  const owen = await addUser(t.deps, "owen");
  const mia = await addUser(t.deps, "mia");
  const bob = await addUser(t.deps, "bob");
  const admin = await addUser(t.deps, "root", "admin");
  const at = new Date().toISOString();
  await t.deps.db
    .insertInto("models")
    .values({
      model_key: "churn",
      task_type: "classification",
      target_field: "y",
      created_by: owen.id,
      created_at: at,
      updated_at: at,
    })
    .execute();
  await t.deps.db
    .insertInto("model_maintainers")
    .values({ model_key: "churn", user_id: mia.id, added_by: owen.id, added_at: at })
    .execute();
  const job = (id: string, createdBy: number, modelKey: string | null) =>
    t.deps.db
      .insertInto("jobs")
      .values({
        id,
        type: "train",
        status: "queued",
        model_key: modelKey,
        params: "{}",
        created_by: createdBy,
        created_at: at,
      })
      .execute();
  await job("job_alice_churn", t.alice.id, "churn");
  await job("job_bob_own", bob.id, null);
  return { t, owen, mia, bob, admin };
}

const status = async (t: T, id: string) =>
  (await t.deps.db.selectFrom("jobs").select("status").where("id", "=", id).executeTakeFirstOrThrow()).status;

describe("jobs are seen and cancelled by their creator, the model's owner and maintainers, and admins", () => {
  test("another user gets 404 for the job and its cancel, and the job keeps running", async () => {
    const { t, bob } = await world();
    const get = await t.send("/jobs/job_alice_churn", { headers: bob.headers });
    expect(get.status).toBe(404);
    expect(get.body.error.code).toBe("not_found");
    const cancel = await t.send("/jobs/job_alice_churn/cancel", { method: "POST", headers: bob.headers });
    expect(cancel.status).toBe(404);
    expect(await status(t, "job_alice_churn")).toBe("queued");
    const list = await t.send("/jobs", { headers: bob.headers });
    expect(list.body.items.map((j: { job_id: string }) => j.job_id)).toEqual(["job_bob_own"]);
    expect(list.body.total).toBe(1);
  });

  test("the creator, the owner, a maintainer and an admin see it; each list holds what they may see", async () => {
    const { t, owen, mia, admin } = await world();
    const ids = async (headers: Record<string, string>) =>
      ((await t.send("/jobs", { headers })).body.items as { job_id: string }[]).map((j) => j.job_id).sort();
    expect(await ids(t.alice.headers)).toEqual(["job_alice_churn"]);
    expect(await ids(owen.headers)).toEqual(["job_alice_churn"]);
    expect(await ids(mia.headers)).toEqual(["job_alice_churn"]);
    expect(await ids(admin.headers)).toEqual(["job_alice_churn", "job_bob_own"]);
    for (const who of [t.alice, owen, mia, admin]) {
      expect((await t.send("/jobs/job_alice_churn", { headers: who.headers })).status).toBe(200);
    }
    const actor = (id: number) => ({ userId: id, role: "user" as const });
    expect(await maySeeJob(t.deps.db, actor(mia.id), "job_alice_churn")).toBe(true);
    expect(await maySeeJob(t.deps.db, actor(mia.id), "job_bob_own")).toBe(false);
    expect(await maySeeJob(t.deps.db, actor(mia.id), "job_nonexistent")).toBe(false);
    const cancel = await t.send("/jobs/job_alice_churn/cancel", { method: "POST", headers: mia.headers });
    expect(cancel.status).toBe(200);
    expect(await status(t, "job_alice_churn")).toBe("cancelled");
    expect((await t.send("/jobs/job_bob_own/cancel", { method: "POST", headers: admin.headers })).status).toBe(200);
  });

  test("the dashboard: the jobs list, a job's page and its cancel button answer the same", async () => {
    const { t, bob } = await world();
    const { cookie, csrf } = await addSession(t.deps, bob.id);
    const page = (path: string) => t.app.request(path, { headers: { cookie } });
    const list = await (await page("/ui/jobs")).text();
    expect(list).toContain("job_bob_own");
    expect(list).not.toContain("job_alice_churn");
    expect((await page("/ui/jobs/job_alice_churn")).status).toBe(404);
    expect(await (await page("/ui")).text()).not.toContain("job_alice_churn");
    const cancel = await t.app.request("/ui/jobs/job_alice_churn/cancel", {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrf }),
    });
    expect(cancel.status).toBe(404);
    expect(await status(t, "job_alice_churn")).toBe("queued");
  });
});
