/** The response a dataset's stored file goes out in, native (`/datasets/{id}/file`) or seed 002's. */
import type { Dataset } from "../../datasets/store";

const MEDIA: Record<Dataset["format"], string> = {
  csv: "text/csv; charset=utf-8",
  json: "application/json",
  ndjson: "application/x-ndjson; charset=utf-8",
  parquet: "application/vnd.apache.parquet",
};

/**
 * The file as uploaded; a gzip-compressed upload stays compressed and says so (`.csv.gz`,
 * application/gzip). The name follows NAME_RULE, so it needs no quoting beyond the quotes.
 */
export function datasetDownload(dataset: Dataset, bytes: Uint8Array): Response {
  const gzip = dataset.profile?.gzip === true;
  return new Response(bytes as Uint8Array<ArrayBuffer>, {
    headers: {
      "content-type": gzip ? "application/gzip" : MEDIA[dataset.format],
      "content-disposition": `attachment; filename="${dataset.name}-v${dataset.version}.${dataset.format}${gzip ? ".gz" : ""}"`,
      etag: `"${dataset.sha256}"`,
    },
  });
}

/** How the OpenAPI document shows that response. */
export const DATASET_FILE = {
  media: "text/csv",
  schema: {
    type: "string",
    description:
      "the stored file as uploaded: CSV, NDJSON or Parquet (application/gzip when it came compressed); application/json for JSON rows",
  },
};
