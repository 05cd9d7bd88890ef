/**
 * Seed 003 (the ML pipeline): its Ingestion API over the ingestion operations
 * (src/monitoring/ingestion.ts). `POST /ingest/batch {model_key, version?, data: [rows]}`;
 * `POST /ingest/stream` with one sample as JSON (`{model_key, version?, data: {row}}`), or with an
 * NDJSON body (`?model_key=&version=`, one row per line) read as it arrives, rows accepted a chunk
 * at a time, and a summary at the end; `GET /stats`. A row that carries the model's target is
 * labelled. Bad rows are reported by index (line number for NDJSON) and the others go in; a
 * request whose rows were all rejected is a 422. Its `POST /predict/batch` ("optimized batch
 * predictions") is served by the /predict route itself (src/http/api/predict.ts), whose rows are
 * already predicted as one batch: same body, same answer.
 */
import { type Context, Hono } from "hono";
import * as v from "valibot";
import { invalid } from "../../errors";
import {
  countIngested,
  ingestRows,
  ingestStats,
  ingestTarget,
  MAX_REPORTED_ISSUES,
  type RowIssue,
} from "../../monitoring/ingestion";
import { Timestamp } from "../api/shapes";
import type { AppDeps, AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { responds } from "../route-doc";
import { strictBody } from "../strict-body";
import { jsonBody, parseInput, queryParams, readJson } from "../validate";

/** Seed 003's batch prediction path, registered beside `POST /predict`. */
export const PREDICT_BATCH_PATH = "/predict/batch";

/** The NDJSON stream's path: it streams its body under the upload limit, not the JSON one (src/http/app.ts). */
export const INGEST_STREAM_PATH = "/ingest/stream";

/** Rows of an NDJSON stream ingested together: bounded memory, one count upsert per chunk. */
const STREAM_CHUNK = 500;

const ModelKey = v.pipe(v.string(), v.minLength(1));
const BatchBody = strictBody({
  model_key: ModelKey,
  version: v.optional(v.string()),
  data: v.pipe(v.array(v.unknown()), v.minLength(1), v.maxLength(100_000)),
});
const SampleBody = strictBody({ model_key: ModelKey, version: v.optional(v.string()), data: v.unknown() });
const StreamQuery = v.object({ model_key: ModelKey, version: v.optional(v.string()) });
const StatsQuery = v.object({
  model_key: v.optional(v.string()),
  days: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(366)), "30"),
});

const Ingested = v.object({
  model_key: v.string(),
  version: v.string(),
  accepted: v.number(),
  labelled: v.pipe(v.number(), v.description("accepted rows that carried the target")),
  rejected: v.number(),
  errors: v.pipe(
    v.array(v.object({ index: v.number(), message: v.string() })),
    v.description("the first rejected rows: index in data, or line number of an NDJSON stream"),
  ),
});
const Streamed = v.object({ ...Ingested.entries, lines: v.optional(v.number()) });
const Counts = { accepted: v.number(), labelled: v.number(), rejected: v.number() };
const Stats = v.object({
  models: v.array(
    v.object({
      model_key: v.string(),
      ...Counts,
      last_arrival_at: v.nullable(Timestamp),
      days: v.array(v.object({ day: v.string(), ...Counts })),
    }),
  ),
});
const STREAM_BODIES = {
  "application/json": {
    type: "object",
    required: ["model_key", "data"],
    properties: { model_key: { type: "string", minLength: 1 }, version: { type: "string" }, data: {} },
  },
  "application/x-ndjson": {
    type: "string",
    description: "one row per line; ?model_key= and ?version= name the model",
  },
};
const INGEST_ERRORS = {
  422: "every row was rejected (each is named), or the body is not valid",
  503: "the model has no version that can serve",
} as const;

type Deps = Pick<AppDeps, "db" | "now" | "runtime">;

const ingestDeps = (deps: Deps) => ({
  db: deps.db,
  models: deps.runtime.models,
  predictionLog: deps.runtime.predictionLog,
  backend: deps.runtime.servingBackend,
  now: deps.now,
});

/** 422 when nothing went in: the client's rows are all wrong, and the answer says how. */
function summary<T extends { accepted: number; rejected: number; errors: RowIssue[] }>(c: Context, s: T) {
  if (s.accepted === 0 && s.rejected > 0) {
    const first = s.errors[0];
    throw invalid(
      `every row was rejected; row ${first?.index}: ${first?.message}`,
      s.errors.map((e) => ({ path: String(e.index), message: e.message })),
    );
  }
  return c.json(s);
}

async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let rest = "";
  const reader = body.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    rest += decoder.decode(r.value, { stream: true });
    const parts = rest.split("\n");
    rest = parts.pop() ?? "";
    yield* parts;
  }
  rest += decoder.decode();
  if (rest) yield rest;
}

export function pipelineRoutes(deps: Deps) {
  return (
    new Hono<AppEnv>()
      .post(
        "/ingest/batch",
        requireRole("user"),
        jsonBody(BatchBody),
        responds({ 200: Ingested }, { errors: INGEST_ERRORS }),
        async (c) => {
          const body = c.req.valid("json");
          const loaded = await ingestTarget(ingestDeps(deps), body.model_key, body.version);
          const counts = await ingestRows(ingestDeps(deps), signedIn(c), loaded, body.data);
          return summary(c, { model_key: body.model_key, version: loaded.version, ...counts });
        },
      )
      .post(
        INGEST_STREAM_PATH,
        requireRole("user"),
        responds({ 200: Streamed }, { body: STREAM_BODIES, errors: { 400: "not valid JSON", ...INGEST_ERRORS } }),
        async (c) => {
          const media = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase() ?? "";
          if (media !== "application/x-ndjson" && media !== "application/jsonl") {
            const body = parseInput("body", SampleBody, await readJson(c));
            const loaded = await ingestTarget(ingestDeps(deps), body.model_key, body.version);
            const counts = await ingestRows(ingestDeps(deps), signedIn(c), loaded, [body.data]);
            return summary(c, { model_key: body.model_key, version: loaded.version, ...counts });
          }
          const q = parseInput("query", StreamQuery, c.req.query());
          const loaded = await ingestTarget(ingestDeps(deps), q.model_key, q.version);
          const total = { lines: 0, accepted: 0, labelled: 0, rejected: 0, errors: [] as RowIssue[] };
          let chunk: unknown[] = [];
          let numbers: number[] = [];
          const flush = async () => {
            const got = await ingestRows(ingestDeps(deps), signedIn(c), loaded, chunk, (i) => numbers[i] as number);
            total.accepted += got.accepted;
            total.labelled += got.labelled;
            total.rejected += got.rejected;
            total.errors.push(...got.errors.slice(0, MAX_REPORTED_ISSUES - total.errors.length));
            chunk = [];
            numbers = [];
          };
          for await (const line of lines(c.req.raw.body ?? new ReadableStream())) {
            total.lines++;
            if (line.trim() === "") continue;
            try {
              chunk.push(JSON.parse(line));
              numbers.push(total.lines);
            } catch {
              total.rejected++;
              if (total.errors.length < MAX_REPORTED_ISSUES)
                total.errors.push({ index: total.lines, message: "not valid JSON" });
            }
            if (chunk.length >= STREAM_CHUNK) await flush();
          }
          if (chunk.length) await flush();
          const unparsed = total.errors.filter((e) => e.message === "not valid JSON").length;
          await countIngested(
            deps.db,
            q.model_key,
            { accepted: 0, labelled: 0, rejected: unparsed },
            deps.now().toISOString(),
          );
          return summary(c, { model_key: q.model_key, version: loaded.version, ...total });
        },
      )
      // the design's prediction service reloads its model after a retrain; here an activation swaps it in
      // at once, so a reload re-reads the active version from its artifact (verifying its sha256)
      .post(
        "/reload_model",
        requireRole("user"),
        jsonBody(strictBody({ model_key: ModelKey })),
        responds(
          {
            200: v.object({
              model_key: v.string(),
              version: v.string(),
              reloaded: v.literal(true),
              loaded_at: Timestamp,
            }),
          },
          { errors: [503] },
        ),
        async (c) => {
          const key = c.req.valid("json").model_key;
          deps.runtime.models.forget(key);
          const loaded = await deps.runtime.models.active(key);
          return c.json({
            model_key: key,
            version: loaded.version,
            reloaded: true,
            loaded_at: loaded.loadedAt.toISOString(),
          });
        },
      )
      .get("/stats", requireRole("user"), queryParams(StatsQuery), responds({ 200: Stats }), async (c) => {
        const q = c.req.valid("query");
        return c.json(await ingestStats(deps.db, { modelKey: q.model_key, days: q.days }));
      })
  );
}
