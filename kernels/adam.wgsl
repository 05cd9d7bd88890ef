// param, grad, m, v hold n f32 each; in-place Adam step as scikit-learn's AdamOptimizer computes it:
// g = grad + l2·param; m = β1 m + (1-β1) g; v = β2 v + (1-β2) g²; param -= lr_t · m / (√v + eps), lr_t bias-corrected on the host.
// Bindings: 0 Params (uniform), 1 param (read_write), 2 grad (read), 3 m (read_write), 4 v (read_write).

struct Params {
  n: u32,
  lr_t: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  l2: f32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let i = (wg.y * nwg.x + wg.x) * 256u + t;
  if (i >= u.n) { return; }
  let w = param[i];
  let g = grad[i] + u.l2 * w;
  let mi = u.beta1 * m[i] + (1.0 - u.beta1) * g;
  let vi = u.beta2 * v[i] + (1.0 - u.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  param[i] = w - u.lr_t * mi / (sqrt(vi) + u.eps);
}
