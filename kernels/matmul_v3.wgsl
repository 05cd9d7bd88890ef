// Candidate matmul (v3): matmul_v2.wgsl with double-buffered workgroup tiles, so each 16-wide k-step
// needs one barrier instead of two: the next tile is stored into the other buffer while this one is
// multiplied. It needs 32 KiB of workgroup memory, twice WebGPU's default limit, so the backend asks
// the device for it (createWebGpuBackend refuses the kernel on an adapter without it).
// Contract as matmul.wgsl: C (M×N) = op(A)·op(B), or C += op(A)·op(B) when accumulating; row-major f32.
// u.flags: 1 transA, 2 transB, 4 accumulate. op(A) is M×K (A stored K×M when transA), op(B) is K×N
// (B stored N×K when transB). Bindings: 0 Dims (uniform), 1 A (read), 2 B (read), 3 C (read_write).
// Workgroup = one 128×128 tile of C; the other choices are v2's (see matmul_v2.wgsl).

struct Dims {
  m: u32,
  n: u32,
  k: u32,
  flags: u32,
}

@group(0) @binding(0) var<uniform> u: Dims;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

const BM = 128u;
const BN = 128u;
const BK = 16u;
const V = 32u; // vec4s per tile row: BM / 4 = BN / 4

// Two k-major tiles each (buffer s at s * T), swizzled: tile_a[s * T + kk * V + (p ^ kk)] = op(A)[i0 + 4p .. +4][k0 + kk],
// tile_b[s * T + kk * V + (p ^ kk)] = op(B)[k0 + kk][j0 + 4p .. +4]. kk < 16 keeps p ^ kk within the row.
const T = 512u; // vec4s per tile: BK * V
var<workgroup> tile_a: array<vec4<f32>, 1024>;
var<workgroup> tile_b: array<vec4<f32>, 1024>;

// Strides of op(A)[i][kk] = a[i * sai + kk * sak] and op(B)[kk][j] = b[kk * sbk + j * sbj].
var<private> sai: u32;
var<private> sak: u32;
var<private> sbk: u32;
var<private> sbj: u32;

fn a_at(i: u32, kk: u32) -> f32 {
  if (i >= u.m || kk >= u.k) { return 0.0; }
  return a[i * sai + kk * sak];
}

fn b_at(kk: u32, j: u32) -> f32 {
  if (kk >= u.k || j >= u.n) { return 0.0; }
  return b[kk * sbk + j * sbj];
}

// op(A)[i .. i+4][kk] as a vec4; unchecked when the whole tile lies inside A.
fn load_a(i: u32, kk: u32, inside: bool) -> vec4<f32> {
  if (inside) {
    let p = i * sai + kk * sak;
    return vec4<f32>(a[p], a[p + sai], a[p + 2u * sai], a[p + 3u * sai]);
  }
  return vec4<f32>(a_at(i, kk), a_at(i + 1u, kk), a_at(i + 2u, kk), a_at(i + 3u, kk));
}

// op(B)[kk][j .. j+4] as a vec4; unchecked when the whole tile lies inside B.
fn load_b(kk: u32, j: u32, inside: bool) -> vec4<f32> {
  if (inside) {
    let p = kk * sbk + j * sbj;
    return vec4<f32>(b[p], b[p + sbj], b[p + 2u * sbj], b[p + 3u * sbj]);
  }
  return vec4<f32>(b_at(kk, j), b_at(kk, j + 1u), b_at(kk, j + 2u), b_at(kk, j + 3u));
}

fn store_one(idx: u32, v: f32, accumulate: bool) {
  if (accumulate) {
    c[idx] = v + c[idx];
  } else {
    c[idx] = v;
  }
}

// C[row][col .. col+4] = v (or += v), clipped to the matrix.
fn store4(row: u32, col: u32, v: vec4<f32>) {
  if (row >= u.m || col >= u.n) { return; }
  let accumulate = (u.flags & 4u) != 0u;
  let idx = row * u.n + col;
  store_one(idx, v.x, accumulate);
  if (col + 1u < u.n) { store_one(idx + 1u, v.y, accumulate); }
  if (col + 2u < u.n) { store_one(idx + 2u, v.z, accumulate); }
  if (col + 3u < u.n) { store_one(idx + 3u, v.w, accumulate); }
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let i0 = wg.y * BM;
  let j0 = wg.x * BN;
  let tr = t / 16u;
  let tc = t % 16u;

  let trans_a = (u.flags & 1u) != 0u;
  let trans_b = (u.flags & 2u) != 0u;
  sai = select(u.k, 1u, trans_a);
  sak = select(1u, u.m, trans_a);
  sbk = select(u.n, 1u, trans_b);
  sbj = select(1u, u.k, trans_b);

  // Each thread loads two vec4s of each tile. Consecutive threads walk the stored matrix's
  // contiguous dimension: k for A stored M×K and for B stored N×K, else the rows / columns.
  var pa = vec2<u32>(t / 16u, t / 16u + 16u);
  var ka = vec2<u32>(t % 16u, t % 16u);
  if (trans_a) {
    pa = vec2<u32>(t % 32u, t % 32u);
    ka = vec2<u32>(t / 32u, t / 32u + 8u);
  }
  var pb = vec2<u32>(t % 32u, t % 32u);
  var kb = vec2<u32>(t / 32u, t / 32u + 8u);
  if (trans_b) {
    pb = vec2<u32>(t / 16u, t / 16u + 16u);
    kb = vec2<u32>(t % 16u, t % 16u);
  }
  let rows_inside = i0 + BM <= u.m;
  let cols_inside = j0 + BN <= u.n;

  var c0l = vec4<f32>(0.0);
  var c0h = vec4<f32>(0.0);
  var c1l = vec4<f32>(0.0);
  var c1h = vec4<f32>(0.0);
  var c2l = vec4<f32>(0.0);
  var c2h = vec4<f32>(0.0);
  var c3l = vec4<f32>(0.0);
  var c3h = vec4<f32>(0.0);
  var c4l = vec4<f32>(0.0);
  var c4h = vec4<f32>(0.0);
  var c5l = vec4<f32>(0.0);
  var c5h = vec4<f32>(0.0);
  var c6l = vec4<f32>(0.0);
  var c6h = vec4<f32>(0.0);
  var c7l = vec4<f32>(0.0);
  var c7h = vec4<f32>(0.0);

  // Tile 0 goes into buffer 0; then each step multiplies buffer `cur` while the next tile, fetched
  // into registers first, is stored into the other buffer. Nobody reads that buffer until the barrier.
  var k_inside = BK <= u.k;
  var na0 = load_a(i0 + pa.x * 4u, ka.x, rows_inside && k_inside);
  var na1 = load_a(i0 + pa.y * 4u, ka.y, rows_inside && k_inside);
  var nb0 = load_b(kb.x, j0 + pb.x * 4u, cols_inside && k_inside);
  var nb1 = load_b(kb.y, j0 + pb.y * 4u, cols_inside && k_inside);
  tile_a[ka.x * V + (pa.x ^ ka.x)] = na0;
  tile_a[ka.y * V + (pa.y ^ ka.y)] = na1;
  tile_b[kb.x * V + (pb.x ^ kb.x)] = nb0;
  tile_b[kb.y * V + (pb.y ^ kb.y)] = nb1;
  workgroupBarrier();

  var cur = 0u;
  for (var k0 = 0u; k0 < u.k; k0 += BK) {
    let k1 = k0 + BK;
    let more = k1 < u.k;
    if (more) {
      k_inside = k1 + BK <= u.k;
      na0 = load_a(i0 + pa.x * 4u, k1 + ka.x, rows_inside && k_inside);
      na1 = load_a(i0 + pa.y * 4u, k1 + ka.y, rows_inside && k_inside);
      nb0 = load_b(k1 + kb.x, j0 + pb.x * 4u, cols_inside && k_inside);
      nb1 = load_b(k1 + kb.y, j0 + pb.y * 4u, cols_inside && k_inside);
    }

    let base = cur * T;
    for (var kk = 0u; kk < BK; kk++) {
      let row = base + kk * V;
      let a_lo = tile_a[row + (tr ^ kk)];
      let a_hi = tile_a[row + ((tr + 16u) ^ kk)];
      let b_lo = tile_b[row + (tc ^ kk)];
      let b_hi = tile_b[row + ((tc + 16u) ^ kk)];
      c0l = fma(vec4<f32>(a_lo.x), b_lo, c0l);
      c0h = fma(vec4<f32>(a_lo.x), b_hi, c0h);
      c1l = fma(vec4<f32>(a_lo.y), b_lo, c1l);
      c1h = fma(vec4<f32>(a_lo.y), b_hi, c1h);
      c2l = fma(vec4<f32>(a_lo.z), b_lo, c2l);
      c2h = fma(vec4<f32>(a_lo.z), b_hi, c2h);
      c3l = fma(vec4<f32>(a_lo.w), b_lo, c3l);
      c3h = fma(vec4<f32>(a_lo.w), b_hi, c3h);
      c4l = fma(vec4<f32>(a_hi.x), b_lo, c4l);
      c4h = fma(vec4<f32>(a_hi.x), b_hi, c4h);
      c5l = fma(vec4<f32>(a_hi.y), b_lo, c5l);
      c5h = fma(vec4<f32>(a_hi.y), b_hi, c5h);
      c6l = fma(vec4<f32>(a_hi.z), b_lo, c6l);
      c6h = fma(vec4<f32>(a_hi.z), b_hi, c6h);
      c7l = fma(vec4<f32>(a_hi.w), b_lo, c7l);
      c7h = fma(vec4<f32>(a_hi.w), b_hi, c7h);
    }

    if (more) {
      let next = (1u - cur) * T;
      tile_a[next + ka.x * V + (pa.x ^ ka.x)] = na0;
      tile_a[next + ka.y * V + (pa.y ^ ka.y)] = na1;
      tile_b[next + kb.x * V + (pb.x ^ kb.x)] = nb0;
      tile_b[next + kb.y * V + (pb.y ^ kb.y)] = nb1;
    }
    workgroupBarrier();
    cur = 1u - cur;
  }

  let r_lo = i0 + tr * 4u;
  let r_hi = i0 + 64u + tr * 4u;
  let q_lo = j0 + tc * 4u;
  let q_hi = j0 + 64u + tc * 4u;
  store4(r_lo, q_lo, c0l);
  store4(r_lo, q_hi, c0h);
  store4(r_lo + 1u, q_lo, c1l);
  store4(r_lo + 1u, q_hi, c1h);
  store4(r_lo + 2u, q_lo, c2l);
  store4(r_lo + 2u, q_hi, c2h);
  store4(r_lo + 3u, q_lo, c3l);
  store4(r_lo + 3u, q_hi, c3h);
  store4(r_hi, q_lo, c4l);
  store4(r_hi, q_hi, c4h);
  store4(r_hi + 1u, q_lo, c5l);
  store4(r_hi + 1u, q_hi, c5h);
  store4(r_hi + 2u, q_lo, c6l);
  store4(r_hi + 2u, q_hi, c6h);
  store4(r_hi + 3u, q_lo, c7l);
  store4(r_hi + 3u, q_hi, c7h);
}
