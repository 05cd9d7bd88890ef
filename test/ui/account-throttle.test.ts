import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Browser, mainText, startUi } from "./helpers";

let svc: Awaited<ReturnType<typeof startUi>>;
beforeAll(async () => {
  svc = await startUi();
});
afterAll(() => svc.close());

describe("profile forms", () => {
  test("a wrong current password is throttled as in the API: 429 with Retry-After after 5", async () => {
    const u = await svc.createUser("gina");
    const b = new Browser(svc.app);
    await b.signIn(u.username, u.password);
    await b.get("/ui/profile");
    const change = (current: string) =>
      b.post("/ui/profile/password", { current_password: current, new_password: "Fresh-pass-2025" });
    for (let i = 0; i < 5; i++) {
      const wrong = await change("Wrong-pass-123");
      expect(wrong.status).toBe(403);
      expect(mainText(wrong.text)).toContain("current password is wrong");
    }
    const blocked = await change(u.password);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(mainText(blocked.text)).toContain("try again in");
    const rename = await b.post("/ui/profile/username", { new_username: "gina2", current_password: u.password });
    expect(rename.status).toBe(429);
  });
});

describe("registration form", () => {
  test("is limited per IP as the API is: 429 with Retry-After and a message on the page", async () => {
    const b = new Browser(svc.app);
    await b.get("/ui/register"); // the form's pre-session CSRF token
    for (let i = 0; i < 10; i++) {
      const ok = await b.post("/ui/register", { username: `walker${i}`, password: "Quiet-river-2025" });
      expect(ok.status).toBe(303);
    }
    const refused = await b.post("/ui/register", { username: "walker10", password: "Quiet-river-2025" });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(mainText(refused.text)).toContain("too many registrations");
  });
});
