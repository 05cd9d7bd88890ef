import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { csvRows, DATA } from "../ml-service/helpers";
import { type Client, signedInUser } from "../ml-service/people";
import { Browser, mainText, startUi } from "./helpers";

let svc: Awaited<ReturnType<typeof startUi>>;
let api: Client;
const browsers: Record<string, Browser> = {};
beforeAll(async () => {
  svc = await startUi();
  api = await signedInUser(svc, "olivia");
  for (const name of ["oscar", "mia"]) await signedInUser(svc, name);
  for (const name of ["olivia", "oscar", "mia"]) {
    browsers[name] = new Browser(svc.app);
    await browsers[name].signIn(name, `${name}-Pass-1234`);
  }
  const train = { model_key: "iris", target_field: "species", items: csvRows("iris_train.csv") };
  for (let i = 0; i < 2; i++) {
    expect((await api.send("/train", { json: { ...train, hyperparameters: { max_iter: 20 } } })).status).toBe(202);
    await svc.runtime.jobs.idle();
  }
});
afterAll(() => svc.close());

const active = async () =>
  (await svc.db.selectFrom("models").select("active_version").executeTakeFirstOrThrow()).active_version;

describe("model ownership in the dashboard", () => {
  test("the model page names the owner; another user gets no rollback links and a 403 for the form", async () => {
    const b = browsers.oscar as Browser;
    const page = await b.get("/ui/models/iris");
    expect(mainText(page.text)).toContain("Owner: olivia");
    expect(page.text).not.toContain("Roll back to");
    expect(page.text).not.toContain("Add maintainer");
    expect((await b.get("/ui/models/iris/rollback/1.0.0")).status).toBe(403);
    const post = await b.post("/ui/models/iris/rollback/1.0.0");
    expect(post.status).toBe(403);
    expect(mainText(post.text)).toContain("only the owner of model iris");
    expect(await active()).toBe("1.1.0");
    expect((await b.post("/ui/models/iris/maintainers", { username: "oscar" })).status).toBe(403);
  });

  test("the owner adds and removes a maintainer with plain forms; the maintainer may roll back", async () => {
    const owner = browsers.olivia as Browser;
    expect((await owner.get("/ui/models/iris")).text).toContain("Add maintainer");
    const added = await owner.post("/ui/models/iris/maintainers", { username: "mia" });
    expect(added.status).toBe(303);
    expect(added.location).toBe("/ui/models/iris?done=maintainers");
    expect(mainText((await owner.get("/ui/models/iris")).text)).toContain("Remove mia");

    const mia = browsers.mia as Browser;
    const page = await mia.get("/ui/models/iris");
    expect(page.text).toContain("Roll back to 1.0.0");
    expect(page.text).not.toContain("Add maintainer");
    expect((await mia.post("/ui/models/iris/rollback/1.0.0")).status).toBe(303);
    expect(await active()).toBe("1.0.0");

    await owner.get("/ui/models/iris");
    expect((await owner.post("/ui/models/iris/maintainers/mia/remove")).status).toBe(303);
    expect(mainText((await owner.get("/ui/models/iris")).text)).toContain("No maintainers.");
    expect((await mia.post("/ui/models/iris/rollback/1.1.0")).status).toBe(403);
  });

  test("the training form refuses another user's new version of the model, and offers allow_schema_change", async () => {
    const b = browsers.oscar as Browser;
    const csv = readFileSync(join(DATA, "iris_train.csv"), "utf8");
    const up = await b.post("/ui/datasets", { next: "train", file: new File([csv], "iris.csv", { type: "text/csv" }) });
    expect(up.status).toBe(303);
    const form = await b.get(up.location as string);
    expect(form.text).toContain('name="allow_schema_change"');
    const versions = await svc.db.selectFrom("model_versions").select("id").execute();
    const res = await b.post("/ui/train", {
      dataset_id: (up.location as string).split("=")[1] as string,
      model_key: "iris",
      target_field: "species",
      f_0: "sepal_length",
      f_1: "sepal_width",
      task_type: "auto",
      activation: "relu",
      max_iter: "5",
      allow_schema_change: "true",
    });
    expect(res.status).toBe(403);
    expect(mainText(res.text)).toContain("only the owner of model iris");
    expect(await svc.db.selectFrom("model_versions").select("id").execute()).toEqual(versions);
  });
});
