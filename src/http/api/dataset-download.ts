/** The response a dataset's stored file goes out in, native (`/datasets/{id}/file`) or seed 002's. */
import type { Dataset } from "../../datasets/store";

/** The file as uploaded; the name follows NAME_RULE, so it needs no quoting beyond the quotes. */
export function datasetDownload(dataset: Dataset, bytes: Uint8Array): Response {
  return new Response(bytes as Uint8Array<ArrayBuffer>, {
    headers: {
      "content-type": dataset.format === "json" ? "application/json" : "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${dataset.name}-v${dataset.version}.${dataset.format}"`,
      etag: `"${dataset.sha256}"`,
    },
  });
}

/** How the OpenAPI document shows that response. */
export const DATASET_FILE = {
  media: "text/csv",
  schema: { type: "string", description: "the stored file (application/json for JSON rows)" },
};
