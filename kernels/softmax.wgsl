// out (rows×cols) = row-wise softmax of x (rows×cols): exp(x - rowmax) / sum.
// Bindings: 0 Params (uniform), 1 x (read), 2 out (read_write); entry main_inplace softmaxes out in place.
// One 64-thread workgroup per row (split over y past 65535 rows); max and sum are workgroup tree reductions.

struct Params {
  rows: u32,
  cols: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> scratch: array<f32, 64>;

fn reduce_max(t: u32, v: f32) -> f32 {
  scratch[t] = v;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (t < s) { scratch[t] = max(scratch[t], scratch[t + s]); }
    workgroupBarrier();
  }
  let r = scratch[0];
  workgroupBarrier();
  return r;
}

fn reduce_sum(t: u32, v: f32) -> f32 {
  scratch[t] = v;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (t < s) { scratch[t] += scratch[t + s]; }
    workgroupBarrier();
  }
  let r = scratch[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let row = wg.y * nwg.x + wg.x;
  if (row >= u.rows) { return; } // uniform per workgroup, so the barriers below stay in uniform control flow
  let base = row * u.cols;
  var m = -3.402823e38;
  for (var c = t; c < u.cols; c += 64u) { m = max(m, x[base + c]); }
  m = reduce_max(t, m);
  var s = 0.0;
  for (var c = t; c < u.cols; c += 64u) { s += exp(x[base + c] - m); }
  s = reduce_sum(t, s);
  for (var c = t; c < u.cols; c += 64u) { out[base + c] = exp(x[base + c] - m) / s; }
}

@compute @workgroup_size(64)
fn main_inplace(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let row = wg.y * nwg.x + wg.x;
  if (row >= u.rows) { return; }
  let base = row * u.cols;
  var m = -3.402823e38;
  for (var c = t; c < u.cols; c += 64u) { m = max(m, out[base + c]); }
  m = reduce_max(t, m);
  var s = 0.0;
  for (var c = t; c < u.cols; c += 64u) { s += exp(out[base + c] - m); }
  s = reduce_sum(t, s);
  for (var c = t; c < u.cols; c += 64u) { out[base + c] = exp(out[base + c] - m) / s; }
}
