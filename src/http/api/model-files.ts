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
import { ServiceError } from "../../errors";
import { type ExportedFile, versionArtifact, versionOnnx } from "../../registry/export";
import { importArtifact, importTooLarge } from "../../registry/import";
import type { AppDeps, AppEnv } from "../env";
import { noteAudit } from "../middleware/audit";
import { requireRole, signedIn } from "../middleware/route-access";

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

const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

export function modelFilesRoutes(deps: Pick<AppDeps, "db" | "config" | "bus" | "now" | "runtime">) {
  const { db, config, now } = deps;
  return new Hono<AppEnv>()
    .get("/models/:key/versions/:version/artifact", requireRole("user"), async (c) => {
      const file = await versionArtifact({ db, config }, c.req.param("key"), c.req.param("version"));
      return download(file, "application/octet-stream");
    })
    .get("/models/:key/versions/:version/onnx", requireRole("user"), async (c) => {
      const file = await versionOnnx({ db, config }, c.req.param("key"), c.req.param("version"));
      return download(file, "application/onnx");
    })
    .post(IMPORT_PATH, requireRole("admin"), async (c) => {
      const identity = signedIn(c);
      const type = c.req.header("content-type") ?? "";
      let fields: Record<string, string | undefined> = c.req.query();
      let bytes: Uint8Array;
      if (/^multipart\/form-data/i.test(type)) {
        const form = await c.req.parseBody();
        if (!(form.file instanceof Blob)) throw new ServiceError(422, "validation_failed", "no file field in the form");
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
    });
}
