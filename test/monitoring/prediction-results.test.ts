/**
 * What a prediction leaves behind and who may read it: results (with their inputs) are their
 * creator's and the admins', on the API and the dashboard; exports escape every field the same
 * way and neutralise formula cells; feedback lands only on the prediction its sender meant; a
 * number a float32 model cannot take is refused before anything is logged.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readRecords } from "../csv-records";
import { ADMIN_PASSWORD, Browser, startUi } from "../ui/helpers";
import { features, normalRows, trainModel } from "./helpers";

type Ui = Awaited<ReturnType<typeof startUi>>;
let svc: Ui;
const tokens: Record<string, string> = {};
const passwords: Record<string, string> = {};

/** A request as `who` (a signed-in user's session token; "admin" uses X-Admin-Token). */
async function call(who: string, path: string, json?: unknown) {
  if (who === "admin") return svc.request(path, json === undefined ? {} : { json });
  const headers: Record<string, string> = { authorization: `Bearer ${tokens[who]}` };
  if (json !== undefined) headers["content-type"] = "application/json";
  const res = await svc.app.request(path, {
    method: json === undefined ? "GET" : "POST",
    headers,
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body, text, headers: res.headers };
}

async function browserOf(who: string) {
  const b = new Browser(svc.app);
  await b.signIn(who, who === "admin" ? ADMIN_PASSWORD : (passwords[who] as string));
  return b;
}

const count = (table: "predictions" | "feedback") =>
  (svc.sqlite.query(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

/** A CSV parsed by the service's own reader: every record's fields. */
const records = (text: string) => readRecords(text).map((r) => r.fields);

// a feature and a class named the way a hostile or careless uploader might
const WEIRD_FEATURE = 'city, "quoted"';
const FORMULA_CLASS = '=HYPERLINK("http://evil.example","click")';

beforeAll(async () => {
  svc = await startUi({ ML_SYNC_PREDICT_MAX_ROWS: "5" });
  for (const name of ["alice", "bob"]) {
    const u = await svc.createUser(name);
    passwords[name] = u.password;
    const login = await svc.app.request("/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: name, password: u.password }),
    });
    tokens[name] = ((await login.json()) as { access_token: string }).access_token;
  }
  await trainModel(svc, "alpha", normalRows(200, 1));
  await trainModel(svc, "beta", normalRows(200, 2));
  const weird = normalRows(200, 3).map((r, i) => ({
    x0: r.x0,
    [WEIRD_FEATURE]: ["=cmd|' /C calc'!A0", "@SUM(A1)", "-2+3", "plain"][i % 4] as string,
    label: r.label === "a" ? FORMULA_CLASS : "ok",
  }));
  await trainModel(svc, "weird", weird);
}, 120_000);
afterAll(() => svc.close());

describe("prediction results", () => {
  test("are readable by their creator and admins only (API and CSV)", async () => {
    const batch = await call("alice", "/predict", { model_key: "alpha", data: features(normalRows(8, 4)) });
    expect(batch.status).toBe(202);
    await svc.runtime.jobs.idle();
    const path = `/predict/${batch.body.job_id}`;
    expect((await call("alice", path)).body.result.predictions).toHaveLength(8);
    expect((await call("admin", path)).status).toBe(200);
    const other = await call("bob", path);
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe("not_found");
    expect((await call("bob", `${path}?format=csv`)).status).toBe(404);
    expect((await call("alice", `${path}?format=csv`)).status).toBe(200);
    // the other user's answer is the one an unknown id gets
    expect((await call("bob", "/predict/job_doesnotexist")).body.error.message).toBe(
      "prediction job job_doesnotexist not found",
    );
  });

  test("are readable by their creator and admins only (dashboard pages and exports)", async () => {
    const data = features(normalRows(8, 5));
    const batch = await call("alice", "/predict", { model_key: "alpha", data });
    await svc.runtime.jobs.idle();
    const page = `/ui/predict/results/${batch.body.job_id}`;
    // a value of alice's rows (a decimal: no random token on the page can contain its dot)
    const secret = String(data[0]?.x0).slice(0, 8);
    expect(secret).toContain(".");
    const alice = await browserOf("alice");
    const bob = await browserOf("bob");
    const admin = await browserOf("admin");
    const own = await alice.get(page);
    expect(own.status).toBe(200);
    expect(own.text).toContain(secret);
    expect((await alice.get(`${page}/export/csv`)).status).toBe(200);
    expect((await admin.get(`${page}/export/json`)).status).toBe(200);
    for (const p of [page, `${page}/export/csv`, `${page}/export/json`]) {
      const res = await bob.get(p);
      expect(res.status).toBe(404);
      expect(res.text).not.toContain(secret);
    }
  });
});

describe("CSV exports", () => {
  const rows = [
    { x0: -1.5, [WEIRD_FEATURE]: "=cmd|' /C calc'!A0" },
    { x0: 2, [WEIRD_FEATURE]: "@SUM(A1)" },
    { x0: -0.25, [WEIRD_FEATURE]: "-2+3" },
    { x0: 1, [WEIRD_FEATURE]: "plain" },
    { x0: -3, [WEIRD_FEATURE]: "\tpadded" },
    { x0: 0.5, [WEIRD_FEATURE]: "plain" },
  ];

  /** Every record has the header's width, no cell starts a formula, and numbers stay numbers. */
  function expectSafe(text: string) {
    const [header, ...lines] = records(text);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toHaveLength((header as string[]).length);
    for (const cell of [header, ...lines].flat()) expect(cell).not.toMatch(/^[=+@\t\r]|^-(?![\d.])/);
    return { header: header as string[], lines };
  }

  test("of the API: header and rows escaped alike, formula cells neutralised", async () => {
    const sync = await call("alice", "/predict?format=csv", { model_key: "weird", data: rows.slice(0, 5) });
    expect(sync.status).toBe(200);
    const { header, lines } = expectSafe(sync.text);
    expect(header).toContain(`score_${FORMULA_CLASS}`);
    expect(lines.map((l) => l[header.indexOf("prediction")])).toContain(`'${FORMULA_CLASS}`);

    const batch = await call("alice", "/predict", { model_key: "weird", data: rows });
    expect(batch.status).toBe(202);
    await svc.runtime.jobs.idle();
    const job = await call("alice", `/predict/${batch.body.job_id}?format=csv`);
    expect(job.status).toBe(200);
    expect(expectSafe(job.text).lines).toHaveLength(6);
  });

  test("of the dashboard: inputs escaped, formulas neutralised, negative numbers kept", async () => {
    const batch = await call("alice", "/predict", { model_key: "weird", data: rows });
    await svc.runtime.jobs.idle();
    const alice = await browserOf("alice");
    const res = await alice.get(`/ui/predict/results/${batch.body.job_id}/export/csv`);
    expect(res.status).toBe(200);
    const { header, lines } = expectSafe(res.text);
    expect(header.slice(0, 2)).toEqual(["x0", WEIRD_FEATURE]);
    expect(lines.map((l) => l[0])).toEqual(["-1.5", "2", "-0.25", "1", "-3", "0.5"]);
    expect(lines.map((l) => l[1])).toEqual([
      "'=cmd|' /C calc'!A0",
      "'@SUM(A1)",
      "'-2+3",
      "plain",
      "'\tpadded",
      "plain",
    ]);
  });
});

describe("feedback on a logged prediction", () => {
  test("is refused (409, nothing stored) when it names another model or version", async () => {
    const sent = await call("alice", "/predict", { model_key: "alpha", data: features(normalRows(1, 6)) });
    const id = sent.body.predictions[0].prediction_id;
    await svc.runtime.predictionLog.flush();
    const stored = count("feedback");

    const otherModel = await call("alice", "/feedback", { prediction_id: id, label: "a", model_key: "beta" });
    expect(otherModel.status).toBe(409);
    expect(otherModel.body.error.message).toContain(`prediction ${id} was not made by model beta`);
    const otherVersion = await call("alice", "/feedback", {
      prediction_id: id,
      label: "a",
      model_key: "alpha",
      version: "9.9.9",
    });
    expect(otherVersion.status).toBe(409);
    expect(otherVersion.body.error.details[0].path).toBe("version");
    expect(count("feedback")).toBe(stored);

    const right = await call("alice", "/feedback", {
      prediction_id: id,
      label: "a",
      model_key: "alpha",
      version: sent.body.version,
    });
    expect(right.status).toBe(201);
    expect(count("feedback")).toBe(stored + 1);
  });

  test("on another user's prediction reads as an unknown id", async () => {
    const sent = await call("alice", "/predict", { model_key: "alpha", data: features(normalRows(1, 7)) });
    const id = sent.body.predictions[0].prediction_id;
    const stored = count("feedback");
    const bob = await call("bob", "/feedback", { prediction_id: id, label: "a" });
    expect(bob.status).toBe(422);
    expect(bob.body.error.message).toBe(`prediction ${id} is not in the prediction log`);
    expect(count("feedback")).toBe(stored);
    expect((await call("admin", "/feedback", { prediction_id: id, label: "a" })).status).toBe(201);
  });
});

describe("numbers a float32 model cannot take", () => {
  test("are a 422 naming the field, and nothing is logged", async () => {
    await svc.runtime.predictionLog.flush();
    const logged = count("predictions");
    const row = { x0: 0.5, x1: 0, x2: 5 };
    for (const data of [[{ ...row, x1: 1e39 }], [row, { ...row, x1: -1e39 }]]) {
      const res = await call("alice", "/predict", { model_key: "alpha", data });
      expect(res.status).toBe(422);
      expect(res.body.error.details[0].path).toBe(`data.${data.length - 1}.x1`);
    }
    // as text the value reaches the feature spec, which refuses it too
    const text = await call("alice", "/predict", { model_key: "alpha", data: [{ ...row, x2: "1e39" }] });
    expect(text.status).toBe(422);
    expect(text.body.error.details[0].path).toBe("0.x2");
    await svc.runtime.predictionLog.flush();
    expect(count("predictions")).toBe(logged);
  });

  test("are a 422 naming the field when training", async () => {
    const items = normalRows(50, 8);
    (items[3] as Record<string, unknown>).x2 = 3.5e38;
    const res = await call("alice", "/train", { model_key: "overflow", target_field: "label", items });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].path).toBe("items.3.x2");
  });
});
