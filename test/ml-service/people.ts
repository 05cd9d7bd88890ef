/**
 * Signed-in clients of a started service (test/ml-service/helpers.ts): each user is created,
 * signs in through POST /auth/login and sends its Bearer token; `anonymous` sends nothing.
 */
import { hashPassword, TEST_HASHING } from "../../src/auth/passwords";
import { insertUser } from "../../src/auth/users";
import type { Role } from "../../src/db/schema";
import { jsonRequest, type startService } from "./helpers";

type Service = Awaited<ReturnType<typeof startService>>;

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely
  body: any;
  text: string;
}

export type Send = (path: string, o?: { method?: string; json?: unknown }) => Promise<Reply>;

export interface Client {
  username: string | null;
  /** the Bearer token it sends (null: anonymous), for requests `send` does not make (uploads) */
  token: string | null;
  send: Send;
}

function sender(svc: Service, token: string | null): Send {
  return jsonRequest(svc.app, token ? { authorization: `Bearer ${token}` } : {});
}

/** A new account with `role`, signed in. */
export async function signedInUser(svc: Service, username: string, role: Role = "user"): Promise<Client> {
  const password = `${username}-Pass-1234`;
  await insertUser(svc.db, { username, passwordHash: await hashPassword(password, TEST_HASHING), role }, new Date());
  const res = await sender(svc, null)("/auth/login", { json: { username, password } });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.text}`);
  const token = res.body.access_token as string;
  return { username, token, send: sender(svc, token) };
}

export const anonymous = (svc: Service): Client => ({ username: null, token: null, send: sender(svc, null) });
