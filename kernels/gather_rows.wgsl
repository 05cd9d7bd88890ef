// src is src_rows×cols, idx holds u32 row indices, out is rows×cols: out[r] = src[idx[offset + r]] (mini-batch gather).
// An index past src_rows yields a zero row rather than reading out of bounds.
// Bindings: 0 Params (uniform), 1 src (read), 2 idx (read), 3 out (read_write). One thread per output element.

struct Params {
  rows: u32,
  cols: u32,
  offset: u32,
  src_rows: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let i = (wg.y * nwg.x + wg.x) * 256u + t;
  if (i >= u.rows * u.cols) { return; }
  let r = i / u.cols;
  let c = i % u.cols;
  let source_row = idx[u.offset + r];
  var value = 0.0;
  if (source_row < u.src_rows) { value = src[source_row * u.cols + c]; }
  out[i] = value;
}
