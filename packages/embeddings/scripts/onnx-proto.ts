// A minimal ONNX ModelProto writer: exactly the messages and fields the shipped
// encoders use (field numbers from onnx/onnx.proto3), written with protobufjs's
// low-level Writer, so no generated code or Python toolchain is needed.
import protobuf from 'protobufjs';

const VARINT = 0;
const LEN = 2;
/** TensorProto.DataType.FLOAT */
export const FLOAT = 1;
/** TensorProto.DataType.INT64 (token ids) */
export const INT64 = 7;

export interface OnnxTensor {
  name: string;
  dims: number[];
  data: Float32Array;
}

export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attributes?: { name: string; ints?: number[]; i?: number }[];
}

export interface OnnxValueInfo {
  name: string;
  /** A string is a symbolic dimension (e.g. "batch"). */
  shape: (number | string)[];
  /** TensorProto.DataType; FLOAT unless given. */
  elemType?: number;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  docString?: string;
}

type W = protobuf.Writer;
const tag = (w: W, field: number, wire: number) => w.uint32((field << 3) | wire);
const str = (w: W, field: number, s: string) => tag(w, field, LEN).string(s);
const int = (w: W, field: number, n: number) => tag(w, field, VARINT).int64(n);
const msg = (w: W, field: number, body: (w: W) => void) => {
  tag(w, field, LEN).fork();
  body(w);
  w.ldelim();
};

function tensor(w: W, t: OnnxTensor): void {
  for (const d of t.dims) int(w, 1, d);
  tag(w, 2, VARINT).int32(FLOAT);
  str(w, 8, t.name);
  // raw_data is little-endian by the spec, which is what Float32Array holds on every platform Node supports.
  tag(w, 9, LEN).bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function valueInfo(w: W, v: OnnxValueInfo): void {
  str(w, 1, v.name);
  msg(w, 2, (type) =>
    msg(type, 1, (tt) => {
      tag(tt, 1, VARINT).int32(v.elemType ?? FLOAT);
      msg(tt, 2, (shape) => {
        for (const d of v.shape) msg(shape, 1, (dim) => (typeof d === 'number' ? int(dim, 1, d) : str(dim, 2, d)));
      });
    }),
  );
}

function node(w: W, n: OnnxNode): void {
  for (const i of n.inputs) str(w, 1, i);
  for (const o of n.outputs) str(w, 2, o);
  str(w, 3, n.name);
  str(w, 4, n.opType);
  for (const a of n.attributes ?? [])
    msg(w, 5, (attr) => {
      str(attr, 1, a.name);
      if (a.ints) {
        for (const v of a.ints) int(attr, 8, v);
        tag(attr, 20, VARINT).int32(7); // AttributeType.INTS
      } else {
        int(attr, 3, a.i ?? 0);
        tag(attr, 20, VARINT).int32(2); // AttributeType.INT
      }
    });
}

/** Serialises a single-graph model for the default domain at `opset`. */
export function encodeOnnxModel(
  graph: OnnxGraph,
  o: { opset: number; producer: string; metadata?: Record<string, string> },
): Uint8Array {
  const w = protobuf.Writer.create();
  int(w, 1, 8); // ir_version 8 (ONNX 1.10+), understood by every current runtime
  str(w, 2, o.producer);
  str(w, 3, '1');
  msg(w, 7, (g) => {
    for (const n of graph.nodes) msg(g, 1, (x) => node(x, n));
    str(g, 2, graph.name);
    for (const t of graph.initializers) msg(g, 5, (x) => tensor(x, t));
    if (graph.docString) str(g, 10, graph.docString);
    for (const v of graph.inputs) msg(g, 11, (x) => valueInfo(x, v));
    for (const v of graph.outputs) msg(g, 12, (x) => valueInfo(x, v));
  });
  msg(w, 8, (op) => {
    str(op, 1, '');
    int(op, 2, o.opset);
  });
  for (const [key, value] of Object.entries(o.metadata ?? {}))
    msg(w, 14, (p) => {
      str(p, 1, key);
      str(p, 2, value);
    });
  return w.finish();
}
