/**
 * A streaming multipart/form-data reader (RFC 7578): yields each part's headers and then its
 * body as a sequence of byte chunks, holding back only what could be the start of the next
 * boundary. Hono's parseBody() buffers the whole request; an upload of several megabytes
 * should reach the disk (and the CSV checks) while it arrives, so that a bad or oversize
 * file is refused before it is all read.
 *
 * A part's body must be drained (or the iteration abandoned) before asking for the next part.
 */
import { ServiceError } from "../errors";

export interface FormPart {
  /** the field name from Content-Disposition */
  name: string;
  /** present for file fields (possibly ""); a client-given name, never a path to use */
  filename: string | undefined;
  contentType: string | undefined;
  body: AsyncGenerator<Uint8Array, void, undefined>;
}

/** The boundary parameter of a multipart/form-data Content-Type, or undefined. */
export function boundaryOf(contentType: string): string | undefined {
  if (!/^multipart\/form-data\s*(;|$)/i.test(contentType)) return undefined;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** A web stream as an async iterable (the DOM typings do not declare it one). */
export async function* streamChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // an abandoned read (a refused upload) cancels the rest of the body
    await reader.cancel().catch(() => {});
  }
}

/** Headers and preamble are small; anything larger is not a form a client meant to send. */
const MAX_HEADER_BYTES = 16 * 1024;
const CRLF = Buffer.from("\r\n");
const DASHES = Buffer.from("--");
const HEADER_END = Buffer.from("\r\n\r\n");

const malformed = (why: string) => new ServiceError(400, "bad_request", `malformed multipart body: ${why}`);

class ByteQueue {
  buf: Buffer = Buffer.alloc(0);
  #ended = false;
  readonly #source: AsyncIterator<Uint8Array>;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  /** Reads one more chunk; false at the end of the body. */
  async more(): Promise<boolean> {
    if (this.#ended) return false;
    const r = await this.#source.next();
    if (r.done) {
      this.#ended = true;
      return false;
    }
    this.buf = this.buf.length === 0 ? Buffer.from(r.value) : Buffer.concat([this.buf, r.value]);
    return true;
  }

  /** Reads until `needle` is buffered (within `limit` bytes); its index, or -1 at the end of the body. */
  async find(needle: Buffer, limit: number): Promise<number> {
    for (;;) {
      const at = this.buf.indexOf(needle);
      if (at >= 0) return at;
      if (this.buf.length > limit) throw malformed("a part header or preamble is too long");
      if (!(await this.more())) return -1;
    }
  }

  async need(n: number): Promise<boolean> {
    while (this.buf.length < n) if (!(await this.more())) return false;
    return true;
  }

  skip(n: number): void {
    this.buf = this.buf.subarray(n);
  }
}

function parseHeaders(text: string): Omit<FormPart, "body"> {
  let disposition = "";
  let contentType: string | undefined;
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "content-disposition") disposition = value;
    else if (key === "content-type") contentType = value;
  }
  if (!/^form-data\b/i.test(disposition)) throw malformed("a part has no Content-Disposition: form-data");
  const params = new Map<string, string>();
  for (const m of disposition.matchAll(/;\s*([A-Za-z*]+)=(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g)) {
    const raw = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : (m[3] ?? "");
    params.set((m[1] as string).toLowerCase(), raw);
  }
  const name = params.get("name");
  if (name === undefined) throw malformed("a part has no field name");
  return { name, filename: params.get("filename"), contentType };
}

/**
 * The parts of a multipart body, in order.
 * @example
 * for await (const part of formParts(req.body, boundaryOf(type))) {
 *   if (part.name === "file") await save(part.body); else for await (const _ of part.body);
 * }
 */
export async function* formParts(source: AsyncIterable<Uint8Array>, boundary: string): AsyncGenerator<FormPart> {
  const q = new ByteQueue(source);
  const dashBoundary = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.concat([CRLF, dashBoundary]);

  const first = await q.find(dashBoundary, MAX_HEADER_BYTES);
  if (first < 0) throw malformed("no boundary found");
  q.skip(first + dashBoundary.length);

  for (;;) {
    // after a boundary: "--" closes the body, CRLF opens a part
    if (!(await q.need(2))) throw malformed("the body ended after a boundary");
    if (q.buf.subarray(0, 2).equals(DASHES)) return;
    if (!q.buf.subarray(0, 2).equals(CRLF)) throw malformed("a boundary is not followed by CRLF");
    q.skip(2);

    const end = await q.find(HEADER_END, MAX_HEADER_BYTES);
    if (end < 0) throw malformed("the body ended inside part headers");
    const info = parseHeaders(q.buf.subarray(0, end).toString("utf8"));
    q.skip(end + HEADER_END.length);

    let finished = false;
    const body = async function* partBody(): AsyncGenerator<Uint8Array, void, undefined> {
      while (!finished) {
        const at = q.buf.indexOf(delimiter);
        if (at >= 0) {
          if (at > 0) yield q.buf.subarray(0, at);
          q.skip(at + delimiter.length);
          finished = true;
          return;
        }
        // keep what could be the first bytes of a delimiter split across chunks
        const safe = q.buf.length - (delimiter.length - 1);
        if (safe > 0) {
          const chunk = q.buf.subarray(0, safe);
          q.skip(safe);
          yield chunk;
        }
        if (!(await q.more())) throw malformed("the body ended before its closing boundary");
      }
    };
    const gen = body();
    yield { ...info, body: gen };
    // the consumer may have skipped the body: drain it to reach the next boundary
    for await (const _ of gen);
    if (!finished) return;
  }
}
