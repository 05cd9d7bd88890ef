/**
 * The media types a data file may come as in a raw request body (dataset uploads, batch
 * scoring). The reader tells the format from the bytes whatever the header says, so these
 * only decide that the body is a data file rather than a form or JSON.
 */

/** CSV (`text/csv`, `text/plain`), NDJSON (`application/x-ndjson`, `application/jsonl`), Parquet, or bytes to sniff. */
export const TABLE_MEDIA =
  /^(text\/csv|application\/csv|text\/plain|text\/tab-separated-values|application\/x-ndjson|application\/ndjson|application\/jsonl|application\/x-jsonlines|application\/vnd\.apache\.parquet|application\/octet-stream|application\/gzip|application\/x-gzip)\s*(;|$)/i;

/** True for a Content-Type that carries a data file. */
export const isTableMedia = (contentType: string | undefined): boolean => TABLE_MEDIA.test(contentType ?? "");

/**
 * A data file sent to be scored (POST /predict): as isTableMedia, but not `text/plain`, which is
 * what `fetch` sends a JSON string as when no type is set; such a body keeps its 415.
 */
export const isScoringMedia = (contentType: string | undefined): boolean =>
  isTableMedia(contentType) && !/^text\/plain\s*(;|$)/i.test(contentType ?? "");

const FILE = (description: string) => ({ type: "string", format: "binary", description });

/** How OpenAPI shows a raw data-file body, one entry per media type. */
export function tableBodies(what: string) {
  return {
    "text/csv": { type: "string", description: `${what}: a CSV with a header row (delimiter sniffed)` },
    "application/x-ndjson": { type: "string", description: `${what}: one JSON object per line` },
    "application/vnd.apache.parquet": FILE(`${what}: a Parquet file with flat columns`),
    "application/octet-stream": FILE(`${what}: any of the above, gzip-compressed or not, told from its bytes`),
  };
}
