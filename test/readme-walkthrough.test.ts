/**
 * The README's HTTP API walk-through, executed: every `curl` example of the "HTTP API" section is
 * parsed from README.md and sent, in the README's order, to a fresh service. `$ML`, `$ADMIN`,
 * `$ML_ADMIN_API_TOKEN` are the shown exports; `$TOKEN` is the latest `access_token` a login
 * example answered; `ds_abc` and `job_abc` stand for the latest dataset and job ids answered, as
 * a reader would substitute them. A changed route, field or order that breaks an example fails here.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ADMIN_TOKEN, DATA, startService } from "./ml-service/helpers";

const README = readFileSync(join(import.meta.dir, "..", "README.md"), "utf8");

/** Examples that answer other than 2xx in a fresh service, and why that is the documented answer. */
const EXPECTED: Record<string, number> = {
  // the train job finished long before: nothing left to cancel
  "POST /jobs/job_abc/cancel": 409,
  // a fresh service has raised no alert yet
  "POST /health/alerts/1/dismiss": 404,
  // the example before it stopped the shadow: with one running, this promotes it
  "POST /models/iris/shadow/promote": 404,
};

/** A shell word splitter for the README's one-line examples: '…' and "…" quoting, $VAR expansion in "…" and bare words. */
function words(line: string, vars: Record<string, string>): string[] {
  const out: string[] = [];
  const expand = (s: string) => s.replace(/\$([A-Z_]+)/g, (_, k: string) => vars[k] ?? `$${k}`);
  for (const m of line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) {
    out.push(m[1] !== undefined ? m[1] : expand((m[2] ?? m[3]) as string));
  }
  return out;
}

interface Call {
  line: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  form?: Record<string, string>;
  /** `--data-binary @FILE`: the body is that file as it is */
  file?: string;
  /** `-o FILE`: where curl writes the answer (a later example may send it with `-F x=@FILE`) */
  output?: string;
}

function parseCurl(line: string, vars: Record<string, string>): Call {
  const w = words(line, vars);
  const call: Call = { line, method: "GET", url: "", headers: {} };
  for (let i = 1; i < w.length; i++) {
    const a = w[i] as string;
    if (a === "-X") call.method = w[++i] as string;
    else if (a === "-H") {
      const [k, ...v] = (w[++i] as string).split(":");
      call.headers[(k as string).trim().toLowerCase()] = v.join(":").trim();
    } else if (a === "-d") {
      call.body = w[++i] as string;
      if (call.method === "GET") call.method = "POST";
    } else if (a === "-F") {
      const [k, v] = (w[++i] as string).split("=") as [string, string];
      call.form = { ...call.form, [k]: v };
      if (call.method === "GET") call.method = "POST";
    } else if (a === "--data-binary") {
      call.file = (w[++i] as string).replace(/^@/, "");
      if (call.method === "GET") call.method = "POST";
    } else if (a === "-o") call.output = w[++i] as string;
    else if (a === "-D") i++;
    else if (!a.startsWith("-")) call.url = a;
  }
  return call;
}

/** The inline `curl …` examples of the HTTP API section, in order (the WebSocket upgrade is not a plain request). */
const EXAMPLES = README.slice(README.indexOf("### HTTP API"), README.indexOf("## How it works"))
  .split("\n")
  .map((l) => /^\s*`(curl [^`]+)`\s*$/.exec(l)?.[1] ?? /^(curl -s [^#]+?)\s*$/.exec(l)?.[1])
  .filter((l): l is string => l !== undefined && !l.includes("Upgrade: websocket"));

let svc: Awaited<ReturnType<typeof startService>>;
beforeAll(async () => {
  // as `npm start` runs it: in demo mode; the webhook example points at a host that does not
  // answer here: one short attempt
  svc = await startService({ ML_DEMO: "true", ML_ALERT_WEBHOOK_TIMEOUT_MS: "500", ML_ALERT_WEBHOOK_MAX_ATTEMPTS: "1" });
});
afterAll(() => svc.close());

describe("the README's curl examples, in order", () => {
  const vars: Record<string, string> = { ML: "http://localhost:8085", ML_ADMIN_API_TOKEN: ADMIN_TOKEN };
  vars.ADMIN = `X-Admin-Token: ${ADMIN_TOKEN}`;
  const ids = { ds_abc: "", job_abc: "" };
  /** what `-o FILE` examples wrote, as a shell session would have them on disk */
  const files = new Map<string, Uint8Array>();

  test("there are examples to run", () => {
    expect(EXAMPLES.length).toBeGreaterThan(50);
  });

  test.each(EXAMPLES.map((l, i) => [i + 1, l]))("%i: %s", async (_, line) => {
    // `$(sha256sum FILE | cut -c1-64)`: the hex sha256 of a file an earlier example wrote
    const expanded = (line as string).replace(/\$\(sha256sum (\S+) \| cut -c1-64\)/g, (_, f: string) =>
      new Bun.CryptoHasher("sha256").update(files.get(f) ?? new Uint8Array()).digest("hex"),
    );
    const call = parseCurl(expanded, vars);
    const url = new URL(call.url.startsWith("http") ? call.url : `http://${call.url}`);
    let path = `${url.pathname}${url.search}`;
    const key = `${call.method} ${path}`;
    for (const [k, v] of Object.entries(ids)) if (v) path = path.replace(k, v);
    let body: BodyInit | undefined = call.body;
    for (const [k, v] of Object.entries(ids)) if (v && typeof body === "string") body = body.replaceAll(k, v);
    if (call.form) {
      const form = new FormData();
      for (const [k, v] of Object.entries(call.form)) {
        if (v.startsWith("@")) {
          const name = v.slice(1);
          const bytes = files.get(name) ?? readFileSync(join(DATA, name));
          form.append(k, new Blob([bytes as Uint8Array<ArrayBuffer>]), name);
        } else form.append(k, v);
      }
      body = form;
    }
    if (call.file) body = (files.get(call.file) ?? readFileSync(join(DATA, call.file))) as Uint8Array<ArrayBuffer>;
    await svc.runtime.jobs.idle();
    await svc.runtime.predictionLog.flush();
    const res = await svc.app.request(path, { method: call.method, headers: call.headers, body });
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (call.output) files.set(call.output, bytes);
    const text = new TextDecoder().decode(bytes);
    const expected = EXPECTED[key];
    if (expected) expect([key, res.status]).toEqual([key, expected]);
    else
      expect([key, res.status, res.status < 300 ? "" : text]).toEqual([key, res.status < 300 ? res.status : 200, ""]);
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text);
    } catch {}
    if (typeof json.access_token === "string") vars.TOKEN = json.access_token;
    const dataset = (json.dataset as { id?: string } | undefined)?.id ?? json.id;
    if (typeof dataset === "string" && dataset.startsWith("ds_")) ids.ds_abc = dataset;
    if (typeof json.job_id === "string") ids.job_abc = json.job_id;
  });
});
