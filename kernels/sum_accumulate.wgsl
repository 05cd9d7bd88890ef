// values holds n f32 partial sums (per row or per workgroup); acc is a 1×1 device accumulator (a loss).
// acc[0] += Σ values, so losses stay on the device and are read back only every N steps.
// Bindings: 0 Params (uniform), 1 values (read), 2 acc (read_write). A single 256-thread workgroup.

struct Params {
  n: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> values: array<f32>;
@group(0) @binding(2) var<storage, read_write> acc: array<f32>;

var<workgroup> scratch: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32) {
  var s = 0.0;
  for (var i = t; i < u.n; i += 256u) { s += values[i]; }
  scratch[t] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (t < w) { scratch[t] += scratch[t + w]; }
    workgroupBarrier();
  }
  if (t == 0u) { acc[0] += scratch[0]; }
}
