/**
 * The permission matrix of what users make: jobs, datasets and prediction results, walked as
 * their creator, another user, a maintainer of the model, an admin and anonymous. A record is
 * its creator's and the admins'; a model's owner and maintainers also see its training jobs, but
 * not other people's prediction jobs. Anyone who may not see a record gets the 404 of an unknown
 * id, so an id says nothing about other users' work. (Routes that change a model: permissions.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { csvRows, startService } from "../ml-service/helpers";
import { anonymous, type Client, signedInUser } from "../ml-service/people";

type Who = "creator" | "other" | "maintainer" | "admin" | "anonymous";
type Expect = Record<Who, number>;

/** the creator and admins; 404 for everyone else signed in */
const own = (ok = 200): Expect => ({ creator: ok, other: 404, maintainer: 404, admin: ok, anonymous: 401 });
/** the creator, admins and the model's maintainers */
const modelJob = (ok = 200): Expect => ({ creator: ok, other: 404, maintainer: ok, admin: ok, anonymous: 401 });

const KEY = "iris";
const iris = csvRows("iris_train.csv");
const probe = csvRows("iris_test.csv").map(({ species: _, ...f }) => f);
const irisCsv = [Object.keys(iris[0] as object).join(","), ...iris.map((r) => Object.values(r).join(","))].join("\n");

let svc: Awaited<ReturnType<typeof startService>>;
let clients: Record<Who, Client>;
const ids = { trainJob: "", predictJob: "", dataset: "", predictionId: 0 };

interface Row {
  name: string;
  method: "GET" | "POST" | "DELETE";
  path: () => string;
  json?: () => unknown;
  expect: Expect;
}

const MATRIX: Row[] = [
  { name: "a training job", method: "GET", path: () => `/jobs/${ids.trainJob}`, expect: modelJob() },
  // the job has ended: those who may see it learn that (409), the others that it does not exist
  { name: "cancel a training job", method: "POST", path: () => `/jobs/${ids.trainJob}/cancel`, expect: modelJob(409) },
  { name: "a prediction job", method: "GET", path: () => `/jobs/${ids.predictJob}`, expect: own() },
  { name: "cancel a prediction job", method: "POST", path: () => `/jobs/${ids.predictJob}/cancel`, expect: own(409) },
  { name: "prediction results", method: "GET", path: () => `/predict/${ids.predictJob}`, expect: own() },
  {
    name: "prediction results as CSV",
    method: "GET",
    path: () => `/predict/${ids.predictJob}?format=csv`,
    expect: own(),
  },
  { name: "a dataset", method: "GET", path: () => `/datasets/${ids.dataset}`, expect: own() },
  { name: "a dataset's rows", method: "GET", path: () => `/datasets/${ids.dataset}/preview`, expect: own() },
  // a version serves from it: those who may see it get 409 naming the version, nothing is deleted
  { name: "delete a dataset in use", method: "DELETE", path: () => `/datasets/${ids.dataset}`, expect: own(409) },
  {
    name: "train from a dataset",
    method: "POST",
    path: () => "/train",
    json: () => ({ model_key: "from-upload", dataset_id: ids.dataset, target_field: "species" }),
    expect: own(202),
  },
  {
    name: "label a prediction",
    method: "POST",
    path: () => "/feedback",
    json: () => ({ prediction_id: ids.predictionId, label: "setosa" }),
    // another user's prediction id reads as an unknown one (422, as for an id never issued)
    expect: { creator: 201, other: 422, maintainer: 422, admin: 201, anonymous: 401 },
  },
];

beforeAll(async () => {
  svc = await startService({ ML_SYNC_PREDICT_MAX_ROWS: "5" });
  clients = {
    creator: await signedInUser(svc, "olivia"),
    other: await signedInUser(svc, "oscar"),
    maintainer: await signedInUser(svc, "mia"),
    admin: await signedInUser(svc, "ada", "admin"),
    anonymous: anonymous(svc),
  };
  const { creator } = clients;
  const upload = await svc.app.request("/datasets/upload?name=iris-train", {
    method: "POST",
    headers: { authorization: `Bearer ${creator.token}`, "content-type": "text/csv" },
    body: irisCsv,
  });
  expect(upload.status).toBe(201);
  ids.dataset = ((await upload.json()) as { id: string }).id;
  const trained = await creator.send("/train", {
    json: { model_key: KEY, dataset_id: ids.dataset, target_field: "species", hyperparameters: { max_iter: 20 } },
  });
  expect(trained.status).toBe(202);
  ids.trainJob = trained.body.job_id;
  await svc.runtime.jobs.idle();
  expect((await creator.send(`/models/${KEY}/maintainers/mia`, { method: "PUT" })).status).toBe(200);
  const batch = await creator.send("/predict", { json: { model_key: KEY, data: probe.slice(0, 10) } });
  expect(batch.status).toBe(202);
  ids.predictJob = batch.body.job_id;
  const one = await creator.send("/predict", { json: { model_key: KEY, data: probe.slice(0, 1) } });
  ids.predictionId = one.body.predictions[0].prediction_id;
  await svc.runtime.jobs.idle();
});
afterAll(() => svc.close());

describe("permission matrix: jobs, datasets and prediction results", () => {
  for (const row of MATRIX) {
    test(`${row.method} ${row.name}`, async () => {
      const got: Partial<Expect> = {};
      for (const who of Object.keys(row.expect) as Who[]) {
        const res = await clients[who].send(row.path(), { method: row.method, json: row.json?.() });
        got[who] = res.status;
        if (res.status === 404) expect(res.text).not.toContain("olivia");
        await svc.runtime.jobs.idle();
      }
      expect(got).toEqual(row.expect);
    });
  }

  test("lists hold only what the caller may see", async () => {
    const jobIds = async (who: Who) =>
      ((await clients[who].send("/jobs")).body.items as { job_id: string }[]).map((j) => j.job_id);
    expect(await jobIds("creator")).toEqual(expect.arrayContaining([ids.trainJob, ids.predictJob]));
    expect(await jobIds("admin")).toEqual(expect.arrayContaining([ids.trainJob, ids.predictJob]));
    expect(await jobIds("maintainer")).toContain(ids.trainJob);
    expect(await jobIds("maintainer")).not.toContain(ids.predictJob);
    expect(await jobIds("other")).toEqual([]);
    const datasets = async (who: Who) =>
      ((await clients[who].send("/datasets")).body.items as { id: string }[]).map((d) => d.id);
    expect(await datasets("creator")).toContain(ids.dataset);
    expect(await datasets("admin")).toContain(ids.dataset);
    expect(await datasets("other")).not.toContain(ids.dataset);
    expect(await datasets("maintainer")).not.toContain(ids.dataset);
  });

  test("the dataset refused for deletion is still there, and the refused feedback stored nothing", async () => {
    expect((await clients.creator.send(`/datasets/${ids.dataset}`)).status).toBe(200);
    const labels = await svc.db.selectFrom("feedback").select("created_by").execute();
    expect(labels.map((l) => l.created_by).sort()).toEqual(["ada", "olivia"]);
  });
});
