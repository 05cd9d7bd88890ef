import { describe, expect, test } from "bun:test";
import { EventBus } from "../../src/events/bus";
import type { AuditEvent } from "../../src/events/types";
import { ADMIN, ADMIN_PASSWORD, testApp } from "../auth/helpers";

const event = (type: string) => ({ type }) as AuditEvent;

describe("EventBus", () => {
  test("fans out synchronously, in order, and unsubscribes", () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const off = bus.subscribe("auth:login", (e) => seen.push(`a:${e.type}`));
    bus.subscribe("auth:login", () => seen.push("b"));
    bus.subscribeAll((_p, type) => seen.push(`all:${type}`));
    bus.publish("auth:login", event("auth:login"));
    expect(seen).toEqual(["a:auth:login", "b", "all:auth:login"]);
    off();
    seen.length = 0;
    bus.publish("auth:login", event("auth:login"));
    bus.publish("auth:logout", event("auth:logout"));
    expect(seen).toEqual(["b", "all:auth:login", "all:auth:logout"]);
  });

  test("a throwing subscriber is reported and does not stop the others", () => {
    const errors: string[] = [];
    const bus = new EventBus((e, type) => errors.push(`${type}:${(e as Error).message}`));
    let reached = false;
    bus.subscribe("auth:login", () => {
      throw new Error("boom");
    });
    bus.subscribe("auth:login", () => {
      reached = true;
    });
    bus.publish("auth:login", event("auth:login"));
    expect(reached).toBe(true);
    expect(errors).toEqual(["auth:login:boom"]);
  });

  test("the app publishes auth:* events with secrets stripped", async () => {
    const t = await testApp();
    const seen: AuditEvent[] = [];
    t.bus.subscribeAll((e) => seen.push(e as AuditEvent));
    await t.request("/auth/login", { json: { username: ADMIN, password: "Wrong-pass-123" } });
    await t.login(ADMIN, ADMIN_PASSWORD);
    expect(seen.map((e) => e.type)).toEqual(["auth:login_failed", "auth:login"]);
    expect(seen[1]).toMatchObject({ actor: ADMIN, subject: ADMIN, status: 200, source: "api" });
    expect(JSON.stringify(seen)).not.toContain(ADMIN_PASSWORD);
    expect(JSON.stringify(seen)).not.toContain("Wrong-pass-123");
  });
});
