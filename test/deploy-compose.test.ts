/**
 * deploy/compose: the replicas' compose file cannot be run here (no container engine), so this
 * checks what a reader would otherwise find only at `docker compose up`: every setting handed to
 * a replica is one the service knows and accepts, every secret comes from .env (never a literal),
 * the replicas reach the database and the store by the services' names, and the proxy spreads over
 * exactly the replicas on the port they listen on, with WebSocket upgrades for /ws.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig, SETTINGS_DOC } from "../src/config";

const DIR = join(import.meta.dir, "..", "deploy", "compose");
type Service = { environment?: Record<string, string>; image?: string; ports?: string[] };
const compose = Bun.YAML.parse(readFileSync(join(DIR, "compose.yaml"), "utf8")) as {
  services: Record<string, Service>;
};
const nginx = readFileSync(join(DIR, "nginx.conf"), "utf8");
const replicas = Object.entries(compose.services).filter(([name]) => name.startsWith("mlservice-"));
const SECRET = /PASSWORD|SECRET|TOKEN|ACCESS_KEY/;
const known = new Set<string>(SETTINGS_DOC.map((s) => s.name));

/** What compose would hand the process, with every `${VAR…}` replaced by a plausible value. */
const interpolated = (env: Record<string, string>) =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace(/\$\{[^}]+\}/g, "x1234567")]));

describe("deploy/compose", () => {
  test("runs two replicas, PostgreSQL, MinIO and a proxy", () => {
    expect(replicas.length).toBe(2);
    for (const s of ["postgres", "minio", "proxy"]) expect(Object.keys(compose.services)).toContain(s);
  });

  test("hands every replica only settings the service knows, and the service accepts them", () => {
    for (const [name, s] of replicas) {
      const env = s.environment ?? {};
      const ours = Object.keys(env).filter((k) => k.startsWith("ML_"));
      expect({ name, unknown: ours.filter((k) => !known.has(k)) }).toEqual({ name, unknown: [] });
      const config = loadConfig(interpolated(env));
      expect(String(config.ML_DATABASE_URL)).toStartWith("postgres://");
      expect(config.ML_ARTIFACTS_URL).toStartWith("s3://");
      expect(config.ML_DATASETS_URL).toStartWith("s3://");
    }
  });

  test("takes every secret from .env, never a literal", () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const [k, v] of Object.entries(s.environment ?? {})) {
        if (SECRET.test(k)) expect({ name, k, v }).toEqual({ name, k, v: expect.stringMatching(/^\$\{[A-Z_]+[:?}]/) });
      }
    }
    const url = replicas[0]?.[1].environment?.ML_DATABASE_URL ?? "";
    expect(url).toMatch(/^postgres:\/\/mlservice:\$\{POSTGRES_PASSWORD[^}]*\}@postgres:5432\//);
  });

  test("the proxy spreads over exactly the replicas, on their port, and passes WebSocket upgrades", () => {
    const upstream = [...nginx.matchAll(/^\s*server\s+([\w-]+):(\d+)/gm)].map((m) => `${m[1]}:${m[2]}`);
    const expected = replicas.map(([name, s]) => `${name}:${s.environment?.ML_SERVICE_PORT}`);
    expect(upstream.sort()).toEqual(expected.sort());
    expect(nginx).toMatch(/proxy_set_header Upgrade \$http_upgrade/);
    expect(nginx).toMatch(/proxy_set_header X-Forwarded-For/);
    for (const [, s] of replicas) expect(s.environment?.ML_TRUST_PROXY).toBe("true");
  });
});
