/**
 * The ONNX messages the exporter writes (onnx/onnx.proto, IR version 8), with the field numbers of
 * the specification: TensorProto, AttributeProto, NodeProto, ValueInfoProto, GraphProto and
 * ModelProto. Only the fields an exported network uses are here.
 */
import { Message } from "./protobuf";

/** TensorProto.DataType values. */
export const DataType = { FLOAT: 1, INT64: 7, STRING: 8, BOOL: 9, DOUBLE: 11 } as const;
export type DataTypeId = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values. */
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** The values a constant tensor can hold: raw little-endian numbers or strings. */
export type TensorValues = Float32Array | Float64Array | BigInt64Array | string[];

/** A named constant (an initializer) of the given shape. */
export function tensor(name: string, dims: number[], values: TensorValues): Message {
  const m = new Message().ints(1, dims);
  if (Array.isArray(values)) return m.int(2, DataType.STRING).strings(6, values).string(8, name);
  const type =
    values instanceof Float32Array ? DataType.FLOAT : values instanceof Float64Array ? DataType.DOUBLE : DataType.INT64;
  // raw_data is little-endian, as typed arrays are on every platform Bun runs on
  const raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return m.int(2, type).string(8, name).bytes(9, raw);
}

/** A node attribute: number (int unless `float`), list of ints or floats, string(s) or tensor. */
export type AttributeValue =
  | number
  | { float: number }
  | { ints: number[] }
  | { floats: number[] }
  | { strings: string[] }
  | string
  | { tensor: Message };

function attribute(name: string, value: AttributeValue): Message {
  const m = new Message().string(1, name);
  if (typeof value === "number") return m.int(3, value).int(20, AttrType.INT);
  if (typeof value === "string") return m.string(4, value).int(20, AttrType.STRING);
  if ("float" in value) return m.float(2, value.float).int(20, AttrType.FLOAT);
  if ("ints" in value) return m.ints(8, value.ints).int(20, AttrType.INTS);
  if ("floats" in value) {
    for (const f of value.floats) m.float(7, f);
    return m.int(20, AttrType.FLOATS);
  }
  if ("strings" in value) return m.strings(9, value.strings).int(20, AttrType.STRINGS);
  return m.message(5, value.tensor).int(20, AttrType.TENSOR);
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  /** "" for the default ai.onnx operators, "ai.onnx.ml" for the ML ones */
  domain?: string;
  attributes?: Record<string, AttributeValue>;
}

export function node(n: NodeSpec): Message {
  const m = new Message().strings(1, n.inputs).strings(2, n.outputs).string(3, n.name).string(4, n.op);
  for (const [k, v] of Object.entries(n.attributes ?? {})) m.message(5, attribute(k, v));
  if (n.domain) m.string(7, n.domain);
  return m;
}

/** A graph input or output: a tensor of `type` whose dimensions are sizes or symbolic names ("N"). */
export function valueInfo(name: string, type: DataTypeId, dims: (number | string)[], doc?: string): Message {
  const shape = new Message();
  for (const d of dims) shape.message(1, typeof d === "number" ? new Message().int(1, d) : new Message().string(2, d));
  const tensorType = new Message().int(1, type).message(2, shape);
  const m = new Message().string(1, name).message(2, new Message().message(1, tensorType));
  if (doc) m.string(3, doc);
  return m;
}

export interface GraphSpec {
  name: string;
  nodes: Message[];
  initializers: Message[];
  inputs: Message[];
  outputs: Message[];
  doc?: string;
}

export interface ModelSpec {
  graph: GraphSpec;
  producerName: string;
  producerVersion: string;
  /** [domain, version] pairs: "" is ai.onnx */
  opsets: [string, number][];
  doc?: string;
  metadata?: Record<string, string>;
}

/** IR version 8 (ONNX 1.10): opset 13 and ai.onnx.ml 2 need at least 7. */
const IR_VERSION = 8;

/** The serialised ModelProto. */
export function model(s: ModelSpec): Uint8Array {
  const g = new Message()
    .messages(1, s.graph.nodes)
    .string(2, s.graph.name)
    .messages(5, s.graph.initializers)
    .messages(11, s.graph.inputs)
    .messages(12, s.graph.outputs);
  if (s.graph.doc) g.string(10, s.graph.doc);
  const m = new Message().int(1, IR_VERSION).string(2, s.producerName).string(3, s.producerVersion);
  if (s.doc) m.string(6, s.doc);
  m.message(7, g);
  for (const [domain, version] of s.opsets) m.message(8, new Message().string(1, domain).int(2, version));
  for (const [key, value] of Object.entries(s.metadata ?? {}))
    m.message(14, new Message().string(1, key).string(2, value));
  return m.encode();
}
