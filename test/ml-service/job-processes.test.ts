/**
 * ML_JOB_PROCESSES in the compiled binary: with two serving processes and a cap of one, fits
 * queued through either process all run in the first (the job row's claimed_by holds the
 * claimer's pid); with a cap of 0 the box runs none, and a train-only process on the same
 * database takes them. Which process answered a request is read from the prediction id (each
 * process reserves its own block of 1,000 ids), asked on the same connection as the fit.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { binaryServer, type Json, type RunningBinary, startBinary } from "../binary-helpers";
import { features, normalRows } from "../monitoring/helpers";

const TOKEN = "j".repeat(40);
const bin = binaryServer("mls-job-processes-", TOKEN);
const ID_BLOCK = 1000;
const rows = features(normalRows(1, 7));
const fit = (seed: number) => ({
  model_key: "jp",
  target_field: "label",
  items: normalRows(120, seed),
  hyperparameters: { hidden_layer_sizes: [4], max_iter: 3 },
});

/** Reads one HTTP/1.1 response (Content-Length or chunked) off `take`; its status and JSON body. */
async function readResponse(take: () => Promise<Buffer>): Promise<{ status: number; body: Json }> {
  let buf = Buffer.alloc(0);
  const more = async () => {
    buf = Buffer.concat([buf, await take()]);
  };
  while (buf.indexOf("\r\n\r\n") < 0) await more();
  const headEnd = buf.indexOf("\r\n\r\n");
  const head = buf.subarray(0, headEnd).toString();
  const status = Number(head.split(" ")[1]);
  let rest = buf.subarray(headEnd + 4);
  const length = /content-length:\s*(\d+)/i.exec(head);
  let text = "";
  if (length) {
    while (rest.length < Number(length[1])) {
      await more();
      rest = buf.subarray(headEnd + 4);
    }
    text = rest.subarray(0, Number(length[1])).toString();
  } else {
    while (rest.indexOf("\r\n0\r\n\r\n") < 0) {
      await more();
      rest = buf.subarray(headEnd + 4);
    }
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const eol = rest.indexOf("\r\n", at);
      const size = Number.parseInt(rest.subarray(at, eol).toString(), 16);
      if (size === 0) break;
      parts.push(rest.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
    text = Buffer.concat(parts).toString();
  }
  return { status, body: JSON.parse(text) };
}

/** POSTs each of `requests` in turn on one kept-alive connection: one process answers them all. */
async function onOneConnection(port: number, requests: { path: string; body: unknown }[]) {
  const chunks: Buffer[] = [];
  let wake = () => {};
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_s, data) {
        chunks.push(Buffer.from(data));
        wake();
      },
    },
  });
  const take = async () => {
    while (chunks.length === 0) await new Promise<void>((r) => (wake = r));
    return chunks.shift() as Buffer;
  };
  const answers = [];
  try {
    for (const r of requests) {
      const body = JSON.stringify(r.body);
      socket.write(
        `POST ${r.path} HTTP/1.1\r\nhost: 127.0.0.1\r\nx-admin-token: ${TOKEN}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      answers.push(await readResponse(take));
    }
  } finally {
    socket.end();
  }
  return answers;
}

async function finished(server: RunningBinary, jobId: string): Promise<Json> {
  for (;;) {
    const job = (await server.call(`/jobs/${jobId}`)).body;
    if (job.status !== "queued" && job.status !== "running") return job;
    await Bun.sleep(50);
  }
}

/** Leaves the server's log flowing, so that a full pipe never stalls it. */
function drain(server: RunningBinary): void {
  const reader = (server.proc.stdout as ReadableStream<Uint8Array>).getReader();
  void (async () => {
    while (!(await reader.read()).done) {}
  })();
}

function claimers(cwd: string, ids: string[]): string[] {
  const db = new Database(join(cwd, "data", "ml_store.db"), { readonly: true });
  try {
    const q = db.query("SELECT claimed_by FROM jobs WHERE id = ?");
    return ids.map((id) => (q.get(id) as { claimed_by: string }).claimed_by);
  } finally {
    db.close();
  }
}

const pidOf = (claimedBy: string) => Number(claimedBy.split(":")[1]);

describe("ML_JOB_PROCESSES (compiled binary)", () => {
  test("two serving processes, one runs jobs: fits queued through either run there", async () => {
    const server = await bin.serve({ ML_HTTP_PROCESSES: "2", ML_JOB_PROCESSES: "1" });
    drain(server);
    try {
      const first = await server.call("/train", fit(1));
      expect((await finished(server, first.body.job_id)).status).toBe("completed");
      // per process (its id block): the fits queued through it
      const through = new Map<number, string[]>();
      for (let i = 0; i < 200 && (through.size < 2 || [...through.values()].some((j) => j.length < 2)); i++) {
        const [predicted, queued] = await onOneConnection(server.port, [
          { path: "/predict", body: { model_key: "jp", data: rows } },
          { path: "/train", body: fit(i + 2) },
        ]);
        expect(predicted?.status).toBe(200);
        expect(queued?.status).toBe(202);
        const block = Math.floor((predicted?.body.predictions[0].prediction_id - 1) / ID_BLOCK);
        through.set(block, [...(through.get(block) ?? []), queued?.body.job_id]);
      }
      expect(through.size).toBe(2);
      const ids = [first.body.job_id, ...[...through.values()].flat()];
      for (const id of ids) expect((await finished(server, id)).status).toBe("completed");
      expect(new Set(claimers(bin.dir, ids).map(pidOf))).toEqual(new Set([server.proc.pid]));
    } finally {
      server.proc.kill("SIGTERM");
      await server.proc.exited;
    }
  }, 180_000);

  test("0 runs no jobs on this box: a train-only process on the same database takes them", async () => {
    const cwd = mkdtempSync(join(bin.dir, "split-"));
    const serving = await startBinary(bin.binary, {
      cwd,
      env: { ...bin.env(), ML_JOB_PROCESSES: "0" },
      token: TOKEN,
    });
    drain(serving);
    let training: RunningBinary | null = null;
    try {
      const queued = await serving.call("/train", fit(1));
      expect(queued.status).toBe(202);
      training = await startBinary(bin.binary, { cwd, env: { ...bin.env(), ML_ROLES: "train" }, token: TOKEN });
      drain(training);
      expect((await finished(serving, queued.body.job_id)).status).toBe("completed");
      expect(claimers(cwd, [queued.body.job_id]).map(pidOf)).toEqual([training.proc.pid]);
    } finally {
      for (const s of [serving, training]) {
        s?.proc.kill("SIGTERM");
        await s?.proc.exited;
      }
    }
  }, 180_000);
});
