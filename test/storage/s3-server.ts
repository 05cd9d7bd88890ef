/**
 * A throw-away S3-compatible server for tests (the npm package s3rver on loopback, port 0,
 * its objects in a temp folder), with the settings a service needs to reach it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";

export interface S3TestServer {
  endpoint: string;
  bucket: string;
  /** the folder s3rver keeps objects in: tests tamper with bytes there */
  dir: string;
  env: Record<string, string>;
  /** the store is down: every request answers 503 SlowDown-style errors, the objects are kept */
  stop(): void;
  /** the store answers again, with the same objects */
  restart(): void;
  close(): Promise<void>;
}

export async function startS3(bucket = "mlservice-test"): Promise<S3TestServer> {
  const dir = mkdtempSync(join(tmpdir(), "mls-s3-"));
  const serve = (port: number) =>
    new S3rver({
      port,
      address: "127.0.0.1",
      silent: true,
      directory: dir,
      configureBuckets: [{ name: bucket, configs: [] }],
    });
  const server = serve(0);
  const { port } = await server.run();
  // clients talk to a pass-through proxy that can play a store that is down
  let down = false;
  const proxy = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      if (down) return new Response("<Error><Code>ServiceUnavailable</Code></Error>", { status: 503 });
      const url = new URL(req.url);
      const body = req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer();
      const res = await fetch(`http://127.0.0.1:${port}${url.pathname}${url.search}`, {
        method: req.method,
        headers: req.headers,
        body,
        decompress: false,
      });
      return new Response(res.body, { status: res.status, headers: res.headers });
    },
  });
  const endpoint = `http://127.0.0.1:${proxy.port}`;
  return {
    endpoint,
    bucket,
    dir,
    // s3rver's fixed development credentials
    env: {
      S3_ENDPOINT: endpoint,
      AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "S3RVER",
      AWS_REGION: "us-east-1",
    },
    stop() {
      down = true;
    },
    restart() {
      down = false;
    },
    async close() {
      proxy.stop(true);
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
