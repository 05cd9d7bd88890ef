/**
 * The compiled binary runs only its own code and settings it was meant to read: nothing from a
 * hostile working directory (bunfig.toml preloads, .env.local), the one .env (or ML_ENV_FILE)
 * as data. And it serves HTTPS from ML_USE_HTTPS with Secure cookies and HSTS.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compiledBinary, startBinary } from "./binary-helpers";

let dir: string;
let binary: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mls-harden-"));
  binary = await compiledBinary();
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const baseEnv = () => ({ PATH: process.env.PATH ?? "", HOME: dir });

/** A working directory an attacker could write to: a preload that leaves a marker, and a .env.local. */
function hostileDir(): { cwd: string; marker: string } {
  const cwd = mkdtempSync(join(dir, "hostile-"));
  const marker = join(cwd, "pwned");
  writeFileSync(join(cwd, "bunfig.toml"), 'preload = ["./evil.ts"]\n[run]\npreload = ["./evil.ts"]\n');
  writeFileSync(join(cwd, "evil.ts"), `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran");\n`);
  writeFileSync(join(cwd, "evil.js"), `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran");\n`);
  writeFileSync(join(cwd, ".env.local"), "ML_DB_PATH=./from-env-local.db\n");
  writeFileSync(join(cwd, ".env.production"), "ML_DB_PATH=./from-env-production.db\n");
  return { cwd, marker };
}

describe("the compiled binary runs only its own code", () => {
  test("a hostile bunfig.toml and .env.local in the working directory do nothing; .env is read as data", () => {
    const { cwd, marker } = hostileDir();
    writeFileSync(join(cwd, ".env"), "ML_DB_PATH=./from-dotenv.db\n");

    const version = Bun.spawnSync([binary, "version"], { cwd, env: baseEnv() });
    expect(version.exitCode).toBe(0);
    expect(existsSync(marker)).toBe(false);

    const migrate = Bun.spawnSync([binary, "migrate"], { cwd, env: baseEnv() });
    expect(migrate.exitCode).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(cwd, "from-dotenv.db"))).toBe(true);
    expect(existsSync(join(cwd, "from-env-local.db"))).toBe(false);
    expect(existsSync(join(cwd, "from-env-production.db"))).toBe(false);
  });

  test("ML_ENV_FILE names the settings file instead of .env; an unreadable one stops start-up (exit 3)", () => {
    const { cwd, marker } = hostileDir();
    mkdirSync(join(cwd, "conf"));
    writeFileSync(join(cwd, "conf", "mlservice.env"), "ML_DB_PATH=./from-env-file.db\n");
    writeFileSync(join(cwd, ".env"), "ML_DB_PATH=./from-dotenv.db\n");
    const ok = Bun.spawnSync([binary, "migrate"], { cwd, env: { ...baseEnv(), ML_ENV_FILE: "conf/mlservice.env" } });
    expect(ok.exitCode).toBe(0);
    expect(existsSync(join(cwd, "from-env-file.db"))).toBe(true);
    expect(existsSync(join(cwd, "from-dotenv.db"))).toBe(false);

    const missing = Bun.spawnSync([binary, "serve"], { cwd, env: { ...baseEnv(), ML_ENV_FILE: "nope.env" } });
    expect(missing.exitCode).toBe(3);
    expect(missing.stderr.toString().trim()).toStartWith('mlservice: configuration error: ML_ENV_FILE="nope.env"');
    expect(existsSync(marker)).toBe(false);
  });
});

/** A self-signed certificate for 127.0.0.1, made by the openssl CLI. */
function selfSigned(cwd: string): { cert: string; key: string } {
  const cert = join(cwd, "cert.pem");
  const key = join(cwd, "key.pem");
  const made = Bun.spawnSync(
    ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"].concat([
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      key,
      "-out",
      cert,
    ]),
    { stdout: "ignore", stderr: "pipe" },
  );
  if (made.exitCode !== 0) throw new Error(`openssl: ${made.stderr.toString()}`);
  return { cert, key };
}

const hasOpenssl = Bun.which("openssl") !== null;

describe("HTTPS (ML_USE_HTTPS)", () => {
  test.skipIf(!hasOpenssl)(
    "serves /health over TLS with HSTS, and sign-in cookies are Secure",
    async () => {
      const cwd = mkdtempSync(join(dir, "tls-"));
      const { cert, key } = selfSigned(cwd);
      const password = "Tls-admin-pass-2025";
      const { proc, port } = await startBinary(binary, {
        cwd,
        env: {
          ...baseEnv(),
          ML_COMPUTE: "cpu",
          ML_USE_HTTPS: "true",
          ML_SSL_CERT_FILE: cert,
          ML_SSL_KEY_FILE: key,
          ML_ADMIN_PASSWORD: password,
        },
        token: "",
      });
      try {
        const base = `https://127.0.0.1:${port}`;
        const tls = { rejectUnauthorized: false };
        const health = await fetch(`${base}/health`, { tls });
        expect(health.status).toBe(200);
        expect(((await health.json()) as { status: string }).status).toBe("ok");
        expect(health.headers.get("strict-transport-security")).toContain("max-age=");

        const page = await fetch(`${base}/ui/login`, { tls });
        const preSession = page.headers.getSetCookie();
        expect(preSession.length).toBe(1);
        expect(preSession[0]).toStartWith("__Host-");
        expect(preSession[0]).toContain("; Secure");
        const _csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? "";
        const signIn = await fetch(`${base}/ui/login`, {
          tls,
          method: "POST",
          redirect: "manual",
          headers: { cookie: (preSession[0] ?? "").split(";")[0] ?? "" },
          body: new URLSearchParams({ username: "admin", password, _csrf, next: "/ui" }),
        });
        expect(signIn.status).toBe(303);
        const session = signIn.headers.getSetCookie().find((c) => c.startsWith("mls_session="));
        expect(session).toContain("; Secure");

        // plain HTTP is not served on the HTTPS port
        await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
      } finally {
        proc.kill("SIGTERM");
        await proc.exited;
      }
    },
    30_000,
  );

  test("HTTPS without a readable certificate or key stops start-up with one line and exit 3", () => {
    const cwd = mkdtempSync(join(dir, "tls-bad-"));
    const env = { ...baseEnv(), ML_USE_HTTPS: "true", ML_SSL_KEY_FILE: join(cwd, "key.pem") };
    const noCert = Bun.spawnSync([binary, "serve"], { cwd, env });
    expect(noCert.exitCode).toBe(3);
    const lines = noCert.stderr.toString().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toStartWith('mlservice: configuration error: ML_SSL_CERT_FILE="./ssl/cert.pem": cannot read');

    writeFileSync(join(cwd, "cert.pem"), "not a certificate\n");
    const notPem = Bun.spawnSync([binary, "serve"], {
      cwd,
      env: { ...env, ML_SSL_CERT_FILE: join(cwd, "cert.pem") },
    });
    expect(notPem.exitCode).toBe(3);
    expect(notPem.stderr.toString()).toContain("expected a PEM certificate");
    // nothing was created: the check runs before the database opens
    expect(existsSync(join(cwd, "data"))).toBe(false);
  });
});
