/** The response a dataset's stored file goes out in, native (`/datasets/{id}/file`) or seed 002's. */
import type { Dataset } from "../../datasets/store";

const MEDIA: Record<Dataset["format"], string> = {
  csv: "text/csv; charset=utf-8",
  json: "application/json",
  ndjson: "application/x-ndjson; charset=utf-8",
  parquet: "application/vnd.apache.parquet",
};

/** The file as uploaded (a gzip-compressed upload stays compressed); the name follows NAME_RULE, so it needs no quoting beyond the quotes. */
export function datasetDownload(dataset: Dataset, bytes: Uint8Array): Response {
  return new Response(bytes as Uint8Array<ArrayBuffer>, {
    headers: {
      "content-type": MEDIA[dataset.format],
      "content-disposition": `attachment; filename="${dataset.name}-v${dataset.version}.${dataset.format}"`,
      etag: `"${dataset.sha256}"`,
    },
  });
}

/** How the OpenAPI document shows that response. */
export const DATASET_FILE = {
  media: "text/csv",
  schema: {
    type: "string",
    description: "the stored file (application/json for JSON rows, NDJSON and Parquet as uploaded)",
  },
};
