// acc[i] += x[i] for n f32 (summing the gradients of parallel lanes).
// Bindings: 0 Params (uniform), 1 x (read), 2 acc (read_write). One thread per element.

struct Params {
  n: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> acc: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let i = (wg.y * nwg.x + wg.x) * 256u + t;
  if (i >= u.n) { return; }
  acc[i] += x[i];
}
