import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startReceiver } from "../monitoring/webhook-receiver";
import { ADMIN, ADMIN_PASSWORD, Browser, mainText, startUi } from "./helpers";

let svc: Awaited<ReturnType<typeof startUi>>;
let admin: Browser;
let user: Browser;
const hook = startReceiver();

beforeAll(async () => {
  svc = await startUi();
  admin = new Browser(svc.app);
  await admin.signIn(ADMIN, ADMIN_PASSWORD);
  const u = await svc.createUser("walt");
  user = new Browser(svc.app);
  await user.signIn(u.username, u.password);
});
afterAll(async () => {
  await svc.close();
  hook.stop();
});

describe("webhooks on the Alerts page, without JavaScript", () => {
  test("an admin adds a webhook (secret shown once), sends a test, reads the log and deletes it", async () => {
    const page = await admin.get("/ui/alerts");
    expect(mainText(page.text)).toContain("No webhooks");
    await admin.get("/ui/alerts");
    const added = await admin.post("/ui/alerts/webhooks", { name: "pager", url: hook.url, format: "json" });
    expect(added.status).toBe(201);
    const secret = /id="new-webhook-secret">([^<]+)</.exec(added.text)?.[1] ?? "";
    expect(secret).toMatch(/^whsec_/);
    expect(mainText(added.text)).toContain("pager");
    // listed later without the secret
    const again = await admin.get("/ui/alerts");
    expect(again.text).not.toContain(secret);
    const id = /action="\/ui\/alerts\/webhooks\/(\d+)\/test"/.exec(again.text)?.[1];
    expect(id).toBeDefined();

    const tested = await admin.post(`/ui/alerts/webhooks/${id}/test`);
    expect(tested.status).toBe(303);
    expect(tested.location).toBe(`/ui/alerts/webhooks/${id}`);
    expect(JSON.parse(hook.got[0]?.body ?? "{}").event).toBe("webhook.test");
    const log = mainText((await admin.get(`/ui/alerts/webhooks/${id}`)).text);
    expect(log).toContain("Delivery attempts: 1");
    expect(log).toContain("delivered");
    expect(log).toContain("HTTP 200");

    await admin.get("/ui/alerts");
    const deleted = await admin.post(`/ui/alerts/webhooks/${id}/delete`);
    expect(deleted.status).toBe(303);
    expect(mainText((await admin.get("/ui/alerts")).text)).toContain("No webhooks");
  });

  test("a bad URL is refused beside its field, nothing added", async () => {
    await admin.get("/ui/alerts");
    const port = svc.config.ML_SERVICE_PORT;
    const res = await admin.post("/ui/alerts/webhooks", {
      name: "loop",
      url: `http://localhost:${port}/`,
      format: "json",
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('id="f-url-err"');
    expect(mainText(res.text)).toContain("points at this service itself");
    expect(mainText(res.text)).toContain("No webhooks");
  });

  test("a user sees alerts but no webhooks, and cannot add one", async () => {
    const page = await user.get("/ui/alerts");
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('action="/ui/alerts/webhooks"');
    const res = await user.post("/ui/alerts/webhooks", { url: hook.url, format: "json" });
    expect(res.status).toBe(403);
    expect((await svc.request("/alerts/webhooks")).body.items).toEqual([]);
  });
});
