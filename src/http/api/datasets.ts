/**
 * `/datasets`: uploads of a CSV, NDJSON or Parquet file, optionally gzip-compressed (multipart
 * field `file` and optional `name`, or the file itself as the body, table-media.ts, with `?name=`
 * and `?filename=`), stored in its own format,
 * listing, versions of a name, a preview, the stored file (`GET /datasets/{id}/file`) and deletion. The upload is read as a stream: bytes
 * go to a temp file and through the reader's checks as they arrive, and the byte limit
 * (ML_MAX_CSV_UPLOAD_BYTES) is enforced on Content-Length up front and on the bytes read, so
 * an oversize or broken file is refused without buffering it. The global JSON body limit
 * skips this path (src/http/app.ts).
 */
import { Hono, type MiddlewareHandler } from "hono";
import { createFactory } from "hono/factory";
import * as v from "valibot";
import { boundaryOf, type FormPart, formParts, streamChunks } from "../../datasets/multipart";
import {
  type Dataset,
  type DatasetDeps,
  type DatasetSummary,
  datasetFile,
  datasetForUser,
  datasetVersions,
  deleteDataset,
  listDatasets,
  previewDataset,
  type StagedUpload,
  saveStagedUpload,
  stageUpload,
} from "../../datasets/store";
import { ServiceError } from "../../errors";
import { SEED_UPLOAD_PATH } from "../compat/mlops";
import type { AppEnv } from "../env";
import { notFound } from "../errors";
import { noteAudit } from "../middleware/audit";
import { requireRole, signedIn } from "../middleware/route-access";
import { responds } from "../route-doc";
import { isTableMedia, tableBodies } from "../table-media";
import { queryParams } from "../validate";
import { DATASET_FILE, datasetDownload } from "./dataset-download";
import { Dataset as DatasetShape, ProfiledDataset, page } from "./shapes";

export const UPLOAD_PATH = "/datasets/upload";
/** room for the multipart envelope (boundaries, part headers, a name field) beyond the file itself */
const MULTIPART_SLACK = 64 * 1024;
/** a form field other than the file: a name, a CSRF token */
const MAX_FIELD_BYTES = 1024;
const PREVIEW_ROWS = 20;

const ListQuery = v.object({
  name: v.optional(v.pipe(v.string(), v.maxLength(64, "at most 64 characters"))),
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,4}$/, "an integer from 1 to 500"),
      v.toNumber(),
      v.integer(),
      v.minValue(1),
      v.maxValue(500),
    ),
    "50",
  ),
  offset: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,9}$/, "an integer ≥ 0"), v.toNumber(), v.integer(), v.minValue(0)),
    "0",
  ),
});

/** What the upload route reads: a multipart form, or the data file itself as the body. */
const UPLOAD_BODIES = {
  "multipart/form-data": {
    type: "object",
    required: ["file"],
    properties: {
      file: {
        type: "string",
        format: "binary",
        description: "a CSV (header row first), NDJSON or Parquet file, optionally gzip-compressed",
      },
      name: { type: "string", maxLength: 64, description: "the dataset name; a new version if it exists" },
    },
  },
  ...tableBodies("the file itself; ?name= and ?filename= name it"),
};

/**
 * The public shape of a dataset (snake_case, as stored). In a list (a DatasetSummary) `columns`
 * holds the first LIST_COLUMNS names and `column_count` says how many there are; `GET
 * /datasets/{id}` gives them all.
 */
export function shownDataset(ds: Dataset | DatasetSummary) {
  return {
    id: ds.id,
    name: ds.name,
    version: ds.version,
    format: ds.format,
    original_filename: ds.original_filename,
    columns: ds.columns,
    column_count: "column_count" in ds ? ds.column_count : ds.columns.length,
    row_count: ds.row_count,
    size_bytes: ds.size_bytes,
    sha256: ds.sha256,
    created_at: ds.created_at,
    last_used_at: ds.last_used_at,
  };
}

const tooLarge = (limit: number) =>
  new ServiceError(413, "payload_too_large", `the upload is over ${limit} bytes (ML_MAX_CSV_UPLOAD_BYTES)`, {
    limit_bytes: limit,
  });

/** The body as chunks, refused with a 413 the moment it passes `max` bytes. */
async function* capped(body: AsyncIterable<Uint8Array>, max: number, limit: number): AsyncGenerator<Uint8Array> {
  let seen = 0;
  for await (const chunk of body) {
    seen += chunk.length;
    if (seen > max) throw tooLarge(limit);
    yield chunk;
  }
}

/**
 * The upload's body limit for everything that reads the body before the route (the CSRF
 * check of a cookie request parses the form): the declared length is checked up front and
 * the body is replaced by one that fails with a 413 past the limit, without buffering it.
 */
export function uploadLimit(limit: number): MiddlewareHandler<AppEnv> {
  const max = limit + MULTIPART_SLACK;
  return async function uploadLimit(c, next) {
    if (Number(c.req.header("content-length") ?? Number.NaN) > max) throw tooLarge(limit);
    const body = c.req.raw.body;
    if (body) {
      const source = capped(streamChunks(body), max, limit);
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            const r = await source.next();
            if (r.done) controller.close();
            else controller.enqueue(r.value);
          } catch (e) {
            controller.error(e);
          }
        },
        async cancel() {
          await source.return(undefined);
        },
      });
      c.req.raw = new Request(c.req.raw, { body: stream, duplex: "half" } as RequestInit);
    }
    await next();
  };
}

async function fieldText(part: FormPart): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of part.body) {
    size += chunk.length;
    if (size > MAX_FIELD_BYTES) throw new ServiceError(422, "validation_failed", `form field ${part.name} is too long`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function datasetRoutes(deps: DatasetDeps) {
  const app = new Hono<AppEnv>();
  const limit = deps.config.ML_MAX_CSV_UPLOAD_BYTES;

  const upload = createFactory<AppEnv>().createHandlers(
    requireRole("user"),
    responds(
      { 201: ProfiledDataset },
      {
        body: UPLOAD_BODIES,
        errors: {
          400: "neither multipart/form-data nor a data file",
          413: "over ML_MAX_CSV_UPLOAD_BYTES",
          422: "not a CSV, NDJSON or Parquet file the service can read (the reason, row and column named)",
        },
      },
    ),
    async (c) => {
      const identity = signedIn(c);
      const type = c.req.header("content-type") ?? "";
      const boundary = boundaryOf(type);
      const raw = isTableMedia(type);
      if (!boundary && !raw) {
        throw new ServiceError(
          400,
          "bad_request",
          "send multipart/form-data with a file field, or the file as the body (text/csv, application/x-ndjson, application/vnd.apache.parquet)",
        );
      }
      const max = boundary ? limit + MULTIPART_SLACK : limit;
      const declared = Number(c.req.header("content-length") ?? Number.NaN);
      if (declared > max) throw tooLarge(limit);

      let meta = { name: c.req.query("name"), originalFilename: c.req.query("filename") };
      let staged: StagedUpload | undefined;
      try {
        if (c.req.raw.bodyUsed) {
          // a cookie request's CSRF check may have parsed the form already (buffered): use its copy
          const form = await c.req.parseBody();
          if (!(form.file instanceof Blob))
            throw new ServiceError(422, "validation_failed", "no file field in the form");
          if (form.file.size > limit) throw tooLarge(limit);
          const filename = form.file instanceof File ? form.file.name : undefined;
          meta = { name: typeof form.name === "string" ? form.name : meta.name, originalFilename: filename };
          staged = await stageUpload(deps, form.file.stream());
        } else if (!c.req.raw.body) {
          throw new ServiceError(422, "validation_failed", "the request has no body: expected a data file");
        } else if (raw) {
          staged = await stageUpload(deps, capped(streamChunks(c.req.raw.body), max, limit));
        } else {
          for await (const part of formParts(capped(streamChunks(c.req.raw.body), max, limit), boundary as string)) {
            if (part.name === "file") {
              if (staged) throw new ServiceError(422, "validation_failed", "send one file field, not several");
              meta.originalFilename = part.filename;
              staged = await stageUpload(deps, part.body);
            } else if (part.name === "name") meta.name = await fieldText(part);
            else await fieldText(part);
          }
          if (!staged) throw new ServiceError(422, "validation_failed", "no file field in the form");
        }
        const ds = await saveStagedUpload(deps, staged, { ...meta, createdBy: identity.userId });
        noteAudit(c, { type: "dataset:uploaded", subject: ds.id, output: { name: ds.name, version: ds.version } });
        c.header("Location", `/datasets/${ds.id}`);
        // seed 002's answer names where the file is
        const seed = c.req.path === SEED_UPLOAD_PATH ? { file_url: `/datasets/${ds.id}` } : {};
        return c.json({ ...shownDataset(ds), profile: ds.profile, ...seed }, 201);
      } catch (e) {
        await staged?.file.discard();
        throw e;
      }
    },
  );
  app.post(UPLOAD_PATH, ...upload);
  // seed 002's upload path (src/http/compat/mlops.ts), the same operation
  app.post(SEED_UPLOAD_PATH, ...upload);

  app.get(
    "/datasets",
    requireRole("user"),
    queryParams(ListQuery),
    responds({ 200: page(DatasetShape) }),
    async (c) => {
      const q = c.req.valid("query");
      const page = await listDatasets(deps, signedIn(c), q);
      return c.json({ ...page, items: page.items.map(shownDataset) });
    },
  );

  app.get(
    "/datasets/by-name/:name/versions",
    requireRole("user"),
    responds({ 200: v.object({ name: v.string(), versions: v.array(DatasetShape) }) }),
    async (c) => {
      const name = c.req.param("name");
      const versions = await datasetVersions(deps, signedIn(c), name);
      if (versions.length === 0) throw notFound(`dataset name ${name}`);
      return c.json({ name, versions: versions.map(shownDataset) });
    },
  );

  app.get("/datasets/:id", requireRole("user"), responds({ 200: ProfiledDataset }), async (c) => {
    const ds = await datasetForUser(deps, signedIn(c), c.req.param("id"));
    return c.json({ ...shownDataset(ds), profile: ds.profile });
  });

  app.get(
    "/datasets/:id/file",
    requireRole("user"),
    responds({ 200: DATASET_FILE }, { errors: { 503: "the dataset's file cannot be read now" } }),
    async (c) => {
      const { dataset, bytes } = await datasetFile(deps, signedIn(c), c.req.param("id"));
      return datasetDownload(dataset, bytes);
    },
  );

  app.get(
    "/datasets/:id/preview",
    requireRole("user"),
    responds({
      200: v.object({ id: v.string(), columns: v.array(v.string()), rows: v.array(v.record(v.string(), v.unknown())) }),
    }),
    async (c) => {
      const id = c.req.param("id");
      const { columns, rows } = await previewDataset(deps, signedIn(c), id, PREVIEW_ROWS);
      return c.json({ id, columns, rows });
    },
  );

  app.delete(
    "/datasets/:id",
    requireRole("user"),
    responds(
      { 200: v.object({ id: v.string(), deleted: v.literal(true) }) },
      { errors: { 409: "a model version still uses it" } },
    ),
    async (c) => {
      const ds = await deleteDataset(deps, signedIn(c), c.req.param("id"));
      noteAudit(c, { type: "dataset:deleted", subject: ds.id, output: { name: ds.name, version: ds.version } });
      return c.json({ id: ds.id, deleted: true });
    },
  );

  return app;
}
