import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DATA } from "../ml-service/helpers";
import { Browser, startUi } from "./helpers";

let svc: Awaited<ReturnType<typeof startUi>>;
let user: Browser;

beforeAll(async () => {
  svc = await startUi();
  const u = await svc.createUser("carol");
  user = new Browser(svc.app);
  await user.signIn(u.username, u.password);
});
afterAll(() => svc.close());

describe("the Training page's model kind", () => {
  test("offers MLP and linear, trains a linear model and the model page shows its kind", async () => {
    const csv = readFileSync(join(DATA, "iris_train.csv"), "utf8");
    const up = await user.post("/ui/datasets", {
      next: "train",
      file: new File([csv], "iris.csv", { type: "text/csv" }),
    });
    const trainUrl = up.location as string;
    const page = await user.get(trainUrl);
    expect(page.text).toContain('name="model_type"');
    expect(page.text).toContain('value="linear"');
    const fields = {
      dataset_id: trainUrl.split("=")[1] as string,
      model_key: "iris-lin",
      target_field: "species",
      f_0: "sepal_length",
      f_1: "sepal_width",
      f_2: "petal_length",
      f_3: "petal_width",
      task_type: "auto",
      model_type: "linear",
      activation: "relu",
      learning_rate_init: "0.01",
      alpha: "0.0001",
      validation_split: "0.2",
    };

    const layered = await user.post("/ui/train", { ...fields, hidden_layer_sizes: "8" });
    expect(layered.status).toBe(422);
    expect(layered.text).toMatch(/id="f-hidden_layer_sizes-err"[^>]*>a linear model has no hidden layers/);

    const ok = await user.post("/ui/train", { ...fields, max_iter: "50" });
    expect(ok.status).toBe(303);
    await svc.runtime.jobs.idle();
    const model = await user.get("/ui/models/iris-lin");
    expect(model.status).toBe(200);
    expect(model.text).toContain("<td>linear</td>");
    // iris has no missing value: 4 inputs (no missing flags) into 3 classes, 4×3 weights + 3 biases
    expect(model.text).toContain("(linear (softmax regression), 15 parameters)");
    expect(model.text).toContain("standardised (mean 5.853, sd 0.8185), missing imputed");
  });
});
