/**
 * A minimal protocol-buffers writer: just what ONNX's ModelProto needs (varints, 64-bit
 * integers, fixed32 floats, length-delimited bytes, strings and nested messages). Fields are
 * written in the order they are added; repeated scalars are written unpacked, which every
 * protobuf reader accepts for proto2 messages such as ONNX's.
 *
 * @example
 * const m = new Message().int(1, 8).string(2, "mlservice").message(7, graph);
 * const bytes = m.encode();
 */

/** Wire types of the protobuf encoding. */
const VARINT = 0;
const FIXED32 = 5;
const LENGTH_DELIMITED = 2;

const utf8 = new TextEncoder();

/** Unsigned LEB128 of a 64-bit two's-complement value: a negative int64 takes ten bytes, as protobuf says. */
function varint(value: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

/** One message being written: each method appends a field and returns the message. */
export class Message {
  readonly #parts: Uint8Array[] = [];
  #size = 0;

  #push(bytes: Uint8Array | number[]): void {
    const b = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
    this.#parts.push(b);
    this.#size += b.length;
  }

  #tag(field: number, wire: number): void {
    this.#push(varint((field << 3) | wire));
  }

  /** An int32, int64, enum or bool field (a varint). */
  int(field: number, value: number | bigint): this {
    if (typeof value === "number" && !Number.isSafeInteger(value)) throw new RangeError(`not an integer: ${value}`);
    this.#tag(field, VARINT);
    this.#push(varint(value));
    return this;
  }

  /** A repeated integer field, one entry per value. */
  ints(field: number, values: Iterable<number | bigint>): this {
    for (const v of values) this.int(field, v);
    return this;
  }

  /** A float field (fixed32, little-endian). */
  float(field: number, value: number): this {
    this.#tag(field, FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.#push(b);
    return this;
  }

  /** A bytes field. */
  bytes(field: number, value: Uint8Array): this {
    this.#tag(field, LENGTH_DELIMITED);
    this.#push(varint(value.length));
    this.#push(value);
    return this;
  }

  /** A string field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** A repeated string field, one entry per value. */
  strings(field: number, values: Iterable<string>): this {
    for (const v of values) this.string(field, v);
    return this;
  }

  /** A nested message field. */
  message(field: number, value: Message): this {
    return this.bytes(field, value.encode());
  }

  /** A repeated message field. */
  messages(field: number, values: Iterable<Message>): this {
    for (const v of values) this.message(field, v);
    return this;
  }

  /** The encoded message. */
  encode(): Uint8Array {
    const out = new Uint8Array(this.#size);
    let at = 0;
    for (const p of this.#parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}
