// logits, probs, grad are rows×cols; labels is rows×1 (class index as f32); row_loss is ≥ rows f32 (scratch).
// probs = softmax(logits), grad = (probs - onehot(label)) * scale, row_loss[r] = -log(clamp(p_label, F32_EPS, 1 - F32_EPS)).
// Bindings: 0 Params, 1 logits, 2 labels, 3 probs, 4 grad, 5 row_loss; entry main_grad_only (grad is probs) skips binding 3.

struct Params {
  rows: u32,
  cols: u32,
  scale: f32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<f32>;
@group(0) @binding(3) var<storage, read_write> probs: array<f32>;
@group(0) @binding(4) var<storage, read_write> grad: array<f32>;
@group(0) @binding(5) var<storage, read_write> row_loss: array<f32>;

const F32_EPS = 1.1920928955078125e-7;

var<workgroup> scratch: array<f32, 64>;

fn reduce(t: u32, v: f32, take_max: bool) -> f32 {
  scratch[t] = v;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (t < s) {
      if (take_max) { scratch[t] = max(scratch[t], scratch[t + s]); } else { scratch[t] += scratch[t + s]; }
    }
    workgroupBarrier();
  }
  let r = scratch[0];
  workgroupBarrier();
  return r;
}

// Returns (row max, row sum of exp(z - max)) and leaves row_loss[row] set; one 64-thread workgroup per row.
fn row_stats(row: u32, t: u32) -> vec2<f32> {
  let base = row * u.cols;
  var m = -3.402823e38;
  for (var c = t; c < u.cols; c += 64u) { m = max(m, logits[base + c]); }
  m = reduce(t, m, true);
  var s = 0.0;
  for (var c = t; c < u.cols; c += 64u) { s += exp(logits[base + c] - m); }
  s = reduce(t, s, false);
  if (t == 0u) {
    let label = u32(labels[row]);
    var loss = 0.0;
    if (labels[row] >= 0.0 && label < u.cols) {
      let p = exp(logits[base + label] - m) / s;
      loss = -log(clamp(p, F32_EPS, 1.0 - F32_EPS));
    }
    row_loss[row] = loss;
  }
  return vec2<f32>(m, s);
}

fn onehot(row: u32, c: u32) -> f32 {
  return select(0.0, 1.0, labels[row] >= 0.0 && u32(labels[row]) == c);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let row = wg.y * nwg.x + wg.x;
  if (row >= u.rows) { return; }
  let st = row_stats(row, t);
  let base = row * u.cols;
  for (var c = t; c < u.cols; c += 64u) {
    let p = exp(logits[base + c] - st.x) / st.y;
    probs[base + c] = p;
    grad[base + c] = (p - onehot(row, c)) * u.scale;
  }
}

@compute @workgroup_size(64)
fn main_grad_only(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let row = wg.y * nwg.x + wg.x;
  if (row >= u.rows) { return; }
  let st = row_stats(row, t);
  let base = row * u.cols;
  for (var c = t; c < u.cols; c += 64u) {
    let p = exp(logits[base + c] - st.x) / st.y;
    grad[base + c] = (p - onehot(row, c)) * u.scale;
  }
}
