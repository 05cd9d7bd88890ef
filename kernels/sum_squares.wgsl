// x holds n f32; partials holds one f32 per workgroup (≤ 1024), later summed into the accumulator by sum_accumulate.
// partials[wg] = Σ x² over this workgroup's grid-stride share of x.
// Bindings: 0 Params (uniform), 1 x (read), 2 partials (read_write).

struct Params {
  n: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;

var<workgroup> scratch: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  var s = 0.0;
  for (var i = wg.x * 256u + t; i < u.n; i += nwg.x * 256u) { s += x[i] * x[i]; }
  scratch[t] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (t < w) { scratch[t] += scratch[t + w]; }
    workgroupBarrier();
  }
  if (t == 0u) { partials[wg.x] = scratch[0]; }
}
