// grad (n elements) *= act'(z), written through the activation's output y = act(z) as sklearn does:
// identity 1, relu (y > 0), tanh 1 - y², logistic y(1 - y). act: 0 identity, 1 relu, 2 tanh, 3 logistic.
// Bindings: 0 Params (uniform), 1 grad (read_write), 2 y (read). One thread per element.

struct Params {
  n: u32,
  act: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> grad: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;

fn derivative(v: f32) -> f32 {
  switch u.act {
    case 1u: { return select(0.0, 1.0, v > 0.0); }
    case 2u: { return 1.0 - v * v; }
    case 3u: { return v * (1.0 - v); }
    default: { return 1.0; }
  }
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let i = (wg.y * nwg.x + wg.x) * 256u + t;
  if (i >= u.n) { return; }
  grad[i] = grad[i] * derivative(y[i]);
}
