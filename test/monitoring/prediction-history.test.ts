/**
 * GET /predictions, the readable prediction log (seed 004): what was asked and answered, with
 * response_time_ms, filtered by model, version and time (the default range reaches now), paged,
 * private to whoever asked (admins see all), and exportable as CSV without formula injection.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { csvRows, startService } from "../ml-service/helpers";
import { signedInUser } from "../ml-service/people";

let svc: Awaited<ReturnType<typeof startService>>;
const iris = csvRows("iris_train.csv");
const rows = [
  { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
  { sepal_length: 6.7, sepal_width: 3.0, petal_length: 5.2, petal_width: 2.3 },
];
beforeAll(async () => {
  svc = await startService();
  for (const model_key of ["iris", "other"]) {
    const t = await svc.request("/train", { json: { model_key, target_field: "species", items: iris } });
    await svc.waitJob(t.body.job_id, 60_000);
  }
});
afterAll(() => svc.close());

describe("GET /predictions", () => {
  let predicted: { prediction_id: number; prediction: string; confidence: number }[] = [];

  test("lists what each prediction was asked and answered, newest first, with response_time_ms", async () => {
    predicted = (await svc.request("/predict", { json: { model_key: "iris", data: rows } })).body.predictions;
    await svc.request("/predict", { json: { model_key: "other", data: rows[0] } });
    const res = await svc.request("/predictions?model_key=iris");
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(2);
    expect(res.body.items.map((p: { prediction_id: number }) => p.prediction_id)).toEqual(
      predicted.map((p) => p.prediction_id).reverse(),
    );
    const last = res.body.items[0];
    expect(last).toMatchObject({
      model_key: "iris",
      version: "1.0.0",
      input: rows[1],
      prediction: predicted[1]?.prediction,
      confidence: predicted[1]?.confidence,
    });
    expect(last.response_time_ms).toBeGreaterThanOrEqual(0);
    expect(Number.isNaN(Date.parse(last.timestamp))).toBe(false);
  });

  test("filters by version and time range, and pages", async () => {
    expect((await svc.request("/predictions?model_key=iris&version=9.9.9")).body.total).toBe(0);
    expect((await svc.request("/predictions")).body.total).toBe(3);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await svc.request(`/predictions?from=${future}`)).body.total).toBe(0);
    expect((await svc.request(`/predictions?to=${future}&model_key=iris`)).body.total).toBe(2);
    const page = (await svc.request("/predictions?limit=1&offset=1")).body;
    expect([page.items.length, page.total, page.limit, page.offset]).toEqual([1, 3, 1, 1]);
    expect((await svc.request("/predictions?from=yesterday")).status).toBe(422);
    expect((await svc.request(`/predictions?from=${future}&to=2020-01-01T00:00:00Z`)).status).toBe(422);
  });

  test("a user reads only the predictions their own requests got", async () => {
    const alice = await signedInUser(svc, "alice");
    expect((await alice.send("/predictions")).body.total).toBe(0);
    await alice.send("/predict", { json: { model_key: "iris", data: rows[0] } });
    const own = (await alice.send("/predictions")).body;
    expect(own.total).toBe(1);
    expect((await svc.request("/predictions")).body.total).toBe(4);
  });

  test("CSV export has one line per prediction and neutralises formula-looking cells", async () => {
    const csv = await svc.request("/predictions?format=csv&model_key=iris&limit=2");
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const lines = csv.text.trim().split("\n");
    expect(lines[0]).toBe(
      "prediction_id,timestamp,model_key,version,sepal_length,sepal_width,petal_length,petal_width,prediction,confidence,response_time_ms",
    );
    expect(lines).toHaveLength(3);
    // a text cell starting with = reaches the log through a model with a text feature
    const t = await svc.request("/train", {
      json: {
        model_key: "texty",
        target_field: "y",
        items: Array.from({ length: 20 }, (_, i) => ({ note: `n${i % 3}`, y: i % 2 ? "a" : "b" })),
      },
    });
    await svc.waitJob(t.body.job_id, 60_000);
    await svc.request("/predict", { json: { model_key: "texty", data: [{ note: '=HYPERLINK("http://x")' }] } });
    const text = (await svc.request("/predictions?format=csv&model_key=texty")).text;
    expect(text).toContain(`"'=HYPERLINK(""http://x"")"`);
  });
});
