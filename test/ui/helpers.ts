/**
 * The service in-process for page tests: a browser-like client that keeps cookies, reads the
 * CSRF token from the page (or the sign-in form's pre-session token) and posts forms (urlencoded or multipart), following nothing:
 * tests check the 303s themselves.
 */
import { hashPassword, TEST_HASHING } from "../../src/auth/passwords";
import { insertUser } from "../../src/auth/users";
import type { Role } from "../../src/db/schema";
import { startService } from "../ml-service/helpers";

export const ADMIN = "admin";
export const ADMIN_PASSWORD = "Admin-pass-2025";

export type Service = Awaited<ReturnType<typeof startService>>;

export async function startUi(env: Record<string, string> = {}) {
  const svc = await startService({ ML_ADMIN_USERNAME: ADMIN, ML_MAX_ITER: "40", ...env });
  async function createUser(username: string, role: Role = "user", password = `${username}-Pass-1234`) {
    await insertUser(svc.db, { username, passwordHash: await hashPassword(password, TEST_HASHING), role }, new Date());
    return { username, password };
  }
  return { ...svc, createUser };
}

export class Browser {
  readonly cookies = new Map<string, string>();
  csrf = "";
  constructor(readonly app: Service["app"]) {}

  get cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async request(path: string, init: RequestInit = {}) {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("cookie", this.cookieHeader);
    const res = await this.app.request(path, { ...init, headers });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(";");
      const [k, ...rest] = (pair as string).split("=");
      const deleted = attrs.some((a) => /max-age=0\b/i.test(a.trim()));
      if (deleted || rest.join("=") === "") this.cookies.delete((k as string).trim());
      else this.cookies.set((k as string).trim(), rest.join("="));
    }
    const text = await res.text();
    // a signed-in page's meta tag, or a sign-in form's pre-session token
    const token =
      /name="csrf-token" content="([^"]+)"/.exec(text)?.[1] ?? /name="_csrf" value="([^"]+)"/.exec(text)?.[1];
    if (token) this.csrf = token;
    return { status: res.status, text, headers: res.headers, location: res.headers.get("location") };
  }

  get(path: string, headers: Record<string, string> = {}) {
    return this.request(path, { headers });
  }

  /** A form post; `File` values make it multipart, as a browser would. */
  post(path: string, fields: Record<string, string | File> = {}, o: { csrf?: boolean } = {}) {
    const all = { ...(o.csrf === false || !this.csrf ? {} : { _csrf: this.csrf }), ...fields };
    const multipart = Object.values(all).some((v) => typeof v !== "string");
    let body: BodyInit;
    if (multipart) {
      const fd = new FormData();
      for (const [k, v] of Object.entries(all)) fd.append(k, v);
      body = fd;
    } else body = new URLSearchParams(all as Record<string, string>);
    return this.request(path, { method: "POST", body });
  }

  async signIn(username: string, password: string) {
    await this.get("/ui/login");
    const res = await this.post("/ui/login", { username, password, next: "/ui" });
    if (res.status !== 303) throw new Error(`sign-in ${username}: ${res.status}`);
    await this.get("/ui");
    return res;
  }
}

/** The text inside <main>, tags stripped, for assertions that read like the page. */
export function mainText(html: string): string {
  const main = /<main[^>]*>([\s\S]*)<\/main>/.exec(html)?.[1] ?? html;
  return main
    .replace(/<[^>]+>/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, " ")
    .trim();
}
