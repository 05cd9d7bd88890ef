// x is rows×cols, out is rows×1: out[r] = index (as f32) of the first largest value in row r.
// Bindings: 0 Params (uniform), 1 x (read), 2 out (read_write). One thread per row: class counts are small.

struct Params {
  rows: u32,
  cols: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let r = (wg.y * nwg.x + wg.x) * 256u + t;
  if (r >= u.rows) { return; }
  let base = r * u.cols;
  var best = 0u;
  var best_value = x[base];
  for (var c = 1u; c < u.cols; c++) {
    let value = x[base + c];
    if (value > best_value) { best = c; best_value = value; }
  }
  out[r] = f32(best);
}
