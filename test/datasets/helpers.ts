/**
 * The real app (test/helpers.ts) with ML_DATASETS_ROOT in a fresh temp dir and signed-in
 * users made directly in the database (an API token each: no argon2, no login round trip).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { Role } from "../../src/auth/identity";
import { API_TOKEN_PREFIX, newSecret, SESSION_PREFIX, sha256Hex } from "../../src/auth/secrets";
import type { AppDeps } from "../../src/http/env";
import { testApp } from "../helpers";
import { tempDir } from "../temp-dir";

export const IRIS = join(import.meta.dir, "..", "..", "..", "shared", "data", "iris_train.csv");

export async function addUser(deps: AppDeps, username: string, role: Role = "user") {
  const now = new Date().toISOString();
  const { id } = await deps.db
    .insertInto("users")
    .values({ username, password_hash: "unused", role, created_at: now, updated_at: now })
    .returning("id")
    .executeTakeFirstOrThrow();
  const token = newSecret(API_TOKEN_PREFIX);
  await deps.db
    .insertInto("api_tokens")
    .values({
      user_id: id,
      name: "tests",
      token_hash: sha256Hex(token),
      prefix: token.slice(0, 10),
      created_at: now,
      expires_at: "2999-01-01T00:00:00.000Z",
    })
    .execute();
  return { id, headers: { authorization: `Bearer ${token}` } };
}

/** A browser session for the user: the cookie header and the CSRF token its forms carry. */
export async function addSession(deps: AppDeps, userId: number) {
  const token = newSecret(SESSION_PREFIX);
  const csrf = newSecret("");
  await deps.db
    .insertInto("sessions")
    .values({
      user_id: userId,
      token_hash: sha256Hex(token),
      csrf_token: csrf,
      created_at: new Date().toISOString(),
      expires_at: "2999-01-01T00:00:00.000Z",
    })
    .execute();
  return { cookie: `mls_session=${token}`, csrf };
}

export async function datasetsApp(env: Record<string, string> = {}) {
  const root = tempDir("mls-datasets-");
  const t = testApp({ ML_DATASETS_ROOT: root, ...env });
  const alice = await addUser(t.deps, "alice");
  const files = () => readdirSync(root).sort();
  const rowCount = async () =>
    Number(
      (
        await t.deps.db
          .selectFrom("datasets")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );

  /** POST /datasets/upload as multipart with a `file` part (and a `name` field when given). */
  async function upload(
    csv: string | Uint8Array,
    opts: { filename?: string; name?: string; headers?: Record<string, string> } = {},
  ) {
    const form = new FormData();
    if (opts.name !== undefined) form.append("name", opts.name);
    form.append("file", new File([csv as BlobPart], opts.filename ?? "data.csv", { type: "text/csv" }));
    return send("/datasets/upload", { method: "POST", body: form, headers: opts.headers ?? alice.headers });
  }

  async function send(path: string, init: RequestInit = {}) {
    const res = await t.app.request(path, { headers: alice.headers, ...init });
    // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely
    const body: any = await res.json();
    return { status: res.status, body, headers: res.headers };
  }

  return { ...t, root, alice, files, rowCount, upload, send };
}

/** A CSV with a header and `rows` data rows of numbers. */
export function numericCsv(rows: number, columns = ["a", "b", "c"]): string {
  const lines = [columns.join(",")];
  for (let i = 0; i < rows; i++) lines.push(columns.map((_, j) => String(i * 10 + j)).join(","));
  return `${lines.join("\n")}\n`;
}
