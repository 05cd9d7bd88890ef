/**
 * Where a store lives, from its setting: a local directory, or an S3 bucket and key prefix
 * (`s3://bucket/prefix`). Parsed here once so config validation and store opening agree.
 * Kept free of imports: config.ts uses the pattern.
 */

/** `s3://` + a bucket name (S3's rules, lower case) + an optional prefix of safe characters, no `..`. */
export const S3_LOCATION = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/(?!.*\.\.)[A-Za-z0-9_./-]*)?$/;

export type StoreLocation = { kind: "fs"; root: string } | { kind: "s3"; bucket: string; prefix: string };

/**
 * The location of a store: `url` when set, else the directory `root`. An S3 prefix is
 * normalised to end in "/" (or be empty), so keys never run into it.
 */
export function storeLocation(url: string, root: string): StoreLocation {
  if (url === "") return { kind: "fs", root };
  if (!url.startsWith("s3://")) return { kind: "fs", root: url };
  if (!S3_LOCATION.test(url)) throw new Error(`not an s3://bucket/prefix location: ${url}`);
  const rest = url.slice("s3://".length);
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? "" : rest.slice(slash + 1).replace(/^\/+|\/+$/g, "");
  return { kind: "s3", bucket, prefix: path === "" ? "" : `${path}/` };
}
