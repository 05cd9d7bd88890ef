// out (rows×cols) = act(x + bias), bias is 1×cols broadcast over rows; act: 0 identity, 1 relu, 2 tanh, 3 logistic.
// Bindings: 0 Params (uniform), 1 x (read), 2 bias (read), 3 out (read_write); entry main_inplace computes out = act(out + bias) without x.
// One thread per element; the dispatch may be split over y when rows×cols / 256 exceeds 65535 workgroups.

struct Params {
  rows: u32,
  cols: u32,
  act: u32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

fn activate(z: f32) -> f32 {
  switch u.act {
    case 1u: { return max(z, 0.0); }
    // clamped because some drivers evaluate tanh through exp(2z) and overflow to NaN
    case 2u: { return tanh(clamp(z, -20.0, 20.0)); }
    case 3u: { return 1.0 / (1.0 + exp(-z)); }
    default: { return z; }
  }
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let i = (wg.y * nwg.x + wg.x) * 256u + t;
  if (i >= u.rows * u.cols) { return; }
  out[i] = activate(x[i] + bias[i % u.cols]);
}

@compute @workgroup_size(256)
fn main_inplace(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let i = (wg.y * nwg.x + wg.x) * 256u + t;
  if (i >= u.rows * u.cols) { return; }
  out[i] = activate(out[i] + bias[i % u.cols]);
}
