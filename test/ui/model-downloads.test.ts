/**
 * The model page offers the serving version as ONNX and as its artifact, to anyone who may read
 * the model, through links the session cookie signs in (no JavaScript needed).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { csvRows } from "../ml-service/helpers";
import { signedInUser } from "../ml-service/people";
import { Browser, startUi } from "./helpers";

let svc: Awaited<ReturnType<typeof startUi>>;
let reader: Browser;
beforeAll(async () => {
  svc = await startUi();
  const owner = await signedInUser(svc, "olivia");
  await signedInUser(svc, "oscar");
  reader = new Browser(svc.app);
  await reader.signIn("oscar", "oscar-Pass-1234");
  const train = { model_key: "iris", target_field: "species", items: csvRows("iris_train.csv") };
  expect((await owner.send("/train", { json: { ...train, hyperparameters: { max_iter: 20 } } })).status).toBe(202);
  await svc.runtime.jobs.idle();
});
afterAll(() => svc.close());

describe("model page downloads", () => {
  test("links the serving version's ONNX and artifact; the links download with the session cookie", async () => {
    const page = await reader.get("/ui/models/iris");
    expect(page.text).toContain('href="/models/iris/versions/1.0.0/onnx"');
    expect(page.text).toContain("Download ONNX (version 1.0.0)");
    expect(page.text).toContain('href="/models/iris/versions/1.0.0/artifact"');
    const onnx = await reader.get("/models/iris/versions/1.0.0/onnx");
    expect(onnx.status).toBe(200);
    expect(onnx.headers.get("content-type")).toBe("application/onnx");
    const artifact = await reader.get("/models/iris/versions/1.0.0/artifact");
    expect(artifact.status).toBe(200);
    expect(artifact.text.startsWith("MLSA")).toBe(true);
  });
});
