// out holds n f32: out[i] = value (zeroing loss accumulators and gradients inside the step's encoder).
// Bindings: 0 Params (uniform), 1 out (read_write). One thread per element.

struct Params {
  n: u32,
  value: f32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let i = (wg.y * nwg.x + wg.x) * 256u + t;
  if (i >= u.n) { return; }
  out[i] = u.value;
}
