/**
 * `/ui/predictions`: the prediction log page lists what was asked and answered (newest first),
 * filters by model, links the CSV export of the filter, and answers a bad time with a 422 page.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { csvRows } from "../ml-service/helpers";
import { ADMIN, ADMIN_PASSWORD, Browser, mainText, startUi } from "./helpers";

let svc: Awaited<ReturnType<typeof startUi>>;
let admin: Browser;
beforeAll(async () => {
  svc = await startUi();
  admin = new Browser(svc.app);
  await admin.signIn(ADMIN, ADMIN_PASSWORD);
  const t = await svc.request("/train", {
    json: { model_key: "iris", target_field: "species", items: csvRows("iris_train.csv") },
  });
  await svc.waitJob(t.body.job_id, 60_000);
  await svc.request("/predict", {
    json: { model_key: "iris", data: [{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }] },
  });
});
afterAll(() => svc.close());

describe("/ui/predictions", () => {
  test("shows each logged prediction with its input, answer and response time", async () => {
    const page = await admin.get("/ui/predictions?model_key=iris");
    expect(page.status).toBe(200);
    const text = mainText(page.text);
    expect(text).toContain("1 matching predictions");
    expect(text).toContain('"sepal_length":5.1');
    expect(text).toContain("setosa");
    expect(page.text).toContain('href="/predictions?model_key=iris&amp;format=csv&amp;limit=1000"');
    expect(mainText((await admin.get("/ui/predictions?model_key=nope")).text)).toContain("0 matching predictions");
  });

  test("a time that is not one is a 422 page saying so", async () => {
    const page = await admin.get("/ui/predictions?from=someday");
    expect(page.status).toBe(422);
    expect(mainText(page.text)).toContain("from: not a time");
  });
});
