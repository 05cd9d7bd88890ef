/**
 * Models leaving and entering the service: `GET /models/{key}/versions/{v}/artifact` (the
 * `.mlsa` bytes, sha256 in `X-Artifact-Sha256`), `GET /models/{key}/versions/{v}/onnx` (ONNX with
 * the feature encoding inside) and `POST /models/import` (admins: a multipart form with `file`,
 * `model_key`, `sha256` and optional `version`, `allow_schema_change`; or the raw bytes as
 * application/octet-stream with those as query parameters and the sha256 in X-Artifact-Sha256).
 * The import body has its own limit, ML_MAX_IMPORT_BYTES (src/http/app.ts).
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import * as v from "valibot";
import { ServiceError } from "../../errors";
import { type ExportedFile, versionArtifact, versionOnnx } from "../../registry/export";
import { importArtifact, importTooLarge } from "../../registry/import";
import type { AppDeps, AppEnv } from "../env";
import { noteAudit } from "../middleware/audit";
import { requireRole, signedIn } from "../middleware/route-access";
import { responds } from "../route-doc";
import { Activated } from "./shapes";

export const IMPORT_PATH = "/models/import";
/** room for the multipart envelope and the small fields beside the file */
const MULTIPART_SLACK = 64 * 1024;

/** The body limit of POST /models/import, in place of the JSON one. */
export function importLimit(limit: number) {
  return bodyLimit({
    maxSize: limit + MULTIPART_SLACK,
    onError: () => {
      throw importTooLarge(limit);
    },
  });
}

function download(file: ExportedFile, type: string): Response {
  return new Response(file.bytes as Uint8Array<ArrayBuffer>, {
    headers: {
      "content-type": type,
      "content-disposition": `attachment; filename="${file.filename}"`,
      "x-artifact-sha256": file.sha256,
      // RFC 9530: the same digest in the standard header
      "repr-digest": `sha-256=:${Buffer.from(file.sha256, "hex").toString("base64")}:`,
      etag: `"${file.sha256}"`,
    },
  });
}

const FILE_ERRORS = {
  409: "the version has no artifact (training, failed or archived)",
  503: "its artifact is missing or fails its check",
} as const;
const ARTIFACT = {
  media: "application/octet-stream",
  schema: { type: "string", contentMediaType: "application/octet-stream" },
};
const ONNX = { media: "application/onnx", schema: { type: "string", contentMediaType: "application/onnx" } };

const IMPORT_FIELDS = {
  model_key: { type: "string", description: "the model the artifact becomes a version of" },
  version: { type: "string", description: "its version; the next one when absent" },
  sha256: { type: "string", description: "the artifact's SHA-256 (hex); or the X-Artifact-Sha256 header" },
  allow_schema_change: { type: "string", enum: ["true", "false"], description: "accept other feature fields" },
};
const IMPORT_BODIES = {
  "multipart/form-data": {
    type: "object",
    required: ["file", "model_key"],
    properties: { file: { type: "string", contentMediaType: "application/octet-stream" }, ...IMPORT_FIELDS },
  },
  "application/octet-stream": {
    type: "string",
    contentMediaType: "application/octet-stream",
    description: "the .mlsa bytes; model_key, version, sha256, allow_schema_change as query parameters",
  },
};
const Imported = v.object({
  ...Activated.entries,
  version: v.string(),
  model_type: v.string(),
  sha256: v.string(),
  imported_from: v.pipe(
    v.object({ model_key: v.unknown(), version: v.unknown() }),
    v.description("what the artifact says it was exported from"),
  ),
});

const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

export function modelFilesRoutes(deps: Pick<AppDeps, "db" | "config" | "bus" | "now" | "runtime">) {
  const { db, config, now } = deps;
  return new Hono<AppEnv>()
    .get(
      "/models/:key/versions/:version/artifact",
      requireRole("user"),
      responds({ 200: ARTIFACT }, { errors: FILE_ERRORS }),
      async (c) => {
        const file = await versionArtifact({ db, config }, c.req.param("key"), c.req.param("version"));
        return download(file, "application/octet-stream");
      },
    )
    .get(
      "/models/:key/versions/:version/onnx",
      requireRole("user"),
      responds({ 200: ONNX }, { errors: FILE_ERRORS }),
      async (c) => {
        const file = await versionOnnx({ db, config }, c.req.param("key"), c.req.param("version"));
        return download(file, "application/onnx");
      },
    )
    .post(
      IMPORT_PATH,
      requireRole("admin"),
      responds(
        { 201: Imported },
        {
          body: IMPORT_BODIES,
          errors: {
            409: "that version exists",
            413: "over ML_MAX_IMPORT_BYTES",
            415: "neither multipart/form-data nor application/octet-stream",
            422: "no file or model_key, a wrong sha256, or an artifact the service refuses",
            503: "the imported version cannot be loaded",
          },
        },
      ),
      async (c) => {
        const identity = signedIn(c);
        const type = c.req.header("content-type") ?? "";
        let fields: Record<string, string | undefined> = c.req.query();
        let bytes: Uint8Array;
        if (/^multipart\/form-data/i.test(type)) {
          const form = await c.req.parseBody();
          if (!(form.file instanceof Blob))
            throw new ServiceError(422, "validation_failed", "no file field in the form");
          bytes = new Uint8Array(await form.file.arrayBuffer());
          fields = {
            ...fields,
            model_key: text(form.model_key) ?? fields.model_key,
            version: text(form.version) ?? fields.version,
            sha256: text(form.sha256) ?? fields.sha256,
            allow_schema_change: text(form.allow_schema_change) ?? fields.allow_schema_change,
          };
        } else if (/^application\/octet-stream\s*(;|$)/i.test(type)) {
          bytes = new Uint8Array(await c.req.arrayBuffer());
        } else {
          throw new ServiceError(
            415,
            "unsupported_media_type",
            "send multipart/form-data with a file field, or the artifact as application/octet-stream",
          );
        }
        if (!fields.model_key) {
          throw new ServiceError(422, "validation_failed", "model_key is required", [
            { path: "model_key", message: "required" },
          ]);
        }
        const result = await importArtifact(
          { db, models: deps.runtime.models, bus: deps.bus, config, now },
          identity,
          identity.username,
          {
            modelKey: fields.model_key,
            version: fields.version || undefined,
            bytes,
            sha256: fields.sha256 ?? c.req.header("x-artifact-sha256") ?? "",
            allowSchemaChange: fields.allow_schema_change === "true",
          },
        );
        noteAudit(c, {
          type: "model:imported",
          subject: result.model_key,
          output: { version: result.version, sha256: result.sha256 },
        });
        c.header("Location", `/models/${result.model_key}/versions/${result.version}/artifact`);
        return c.json(result, 201);
      },
    );
}
