// pred, truth (the target), grad hold n f32; partials holds one f32 per workgroup (≤ 1024), later summed by sum_accumulate.
// grad = (pred - truth) * scale; partials[wg] = Σ over this workgroup's elements of 0.5 (pred - truth)².
// Bindings: 0 Params (uniform), 1 pred (read), 2 truth (read), 3 grad (read_write), 4 partials (read_write). Grid-stride loop.

struct Params {
  n: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> pred: array<f32>;
@group(0) @binding(2) var<storage, read> truth: array<f32>;
@group(0) @binding(3) var<storage, read_write> grad: array<f32>;
@group(0) @binding(4) var<storage, read_write> partials: array<f32>;

var<workgroup> scratch: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  var s = 0.0;
  for (var i = wg.x * 256u + t; i < u.n; i += nwg.x * 256u) {
    let d = pred[i] - truth[i];
    grad[i] = d * u.scale;
    s += 0.5 * d * d;
  }
  scratch[t] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (t < w) { scratch[t] += scratch[t + w]; }
    workgroupBarrier();
  }
  if (t == 0u) { partials[wg.x] = scratch[0]; }
}
