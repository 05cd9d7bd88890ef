// x is rows×cols, out is 1×cols: out = column sums of x (bias gradients), or out += when u.accumulate != 0.
// Bindings: 0 Params (uniform), 1 x (read), 2 out (read_write).
// Workgroup = 32 columns × 8 row lanes: lanes stride down the rows (coalesced across columns), then a tree reduction over lanes.

struct Params {
  rows: u32,
  cols: u32,
  accumulate: u32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> scratch: array<array<f32, 32>, 8>;

@compute @workgroup_size(32, 8)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let col = wg.x * 32u + lid.x;
  var s = 0.0;
  if (col < u.cols) {
    for (var r = lid.y; r < u.rows; r += 8u) { s += x[r * u.cols + col]; }
  }
  scratch[lid.y][lid.x] = s;
  workgroupBarrier();
  for (var w = 4u; w > 0u; w >>= 1u) {
    if (lid.y < w) { scratch[lid.y][lid.x] += scratch[lid.y + w][lid.x]; }
    workgroupBarrier();
  }
  if (lid.y == 0u && col < u.cols) {
    var v = scratch[0][lid.x];
    if (u.accumulate != 0u) { v += out[col]; }
    out[col] = v;
  }
}
