// C (M×N) = op(A)·op(B), or C += op(A)·op(B) when accumulating; row-major f32. u.flags: 1 transA, 2 transB, 4 accumulate.
// op(A) is M×K (A stored K×M when transA), op(B) is K×N (B stored N×K when transB).
// Bindings: 0 Dims (uniform), 1 A (read), 2 B (read), 3 C (read_write). Workgroup = one 128×128 tile of C, 8×8 per thread.

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
const BK = 8u;
const THREADS = 256u; // (BM / 8) × (BN / 8) threads, each owning an 8×8 block of C
const LOADS = 4u;     // BM·BK / THREADS elements of each tile loaded per thread

// k-major tiles held as vec4 so the inner loop reads a thread's 8 rows (8 columns) in two loads:
// tile_a[kk * BM/4 + i/4][i%4] = op(A)[i0 + i][k0 + kk], tile_b[kk * BN/4 + j/4][j%4] = op(B)[k0 + kk][j0 + j]
var<workgroup> tile_a: array<vec4<f32>, 256>;
var<workgroup> tile_b: array<vec4<f32>, 256>;

// The transpose flags are uniforms rather than override constants: the branch is uniform (free on a
// GPU, and taken only while filling tiles), and one pipeline instead of four saves ~5 s of lavapipe
// shader compilation per variant.
fn load_a(i: u32, kk: u32) -> f32 {
  if (i >= u.m || kk >= u.k) { return 0.0; }
  if ((u.flags & 1u) != 0u) { return a[kk * u.m + i]; }
  return a[i * u.k + kk];
}

fn load_b(kk: u32, j: u32) -> f32 {
  if (kk >= u.k || j >= u.n) { return 0.0; }
  if ((u.flags & 2u) != 0u) { return b[j * u.k + kk]; }
  return b[kk * u.n + j];
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let i0 = wg.y * BM;
  let j0 = wg.x * BN;
  let tr = t / 16u; // this thread's rows: i0 + tr*8 .. +8
  let tc = t % 16u; // this thread's columns: j0 + tc*8 .. +8

  // acc[r*2 + h] holds C[tr*8 + r][tc*8 + h*4 .. +4]
  var acc: array<vec4<f32>, 16>;

  let trans_a = (u.flags & 1u) != 0u;
  let trans_b = (u.flags & 2u) != 0u;

  // Where this thread's LOADS elements of each tile sit. Consecutive threads read consecutive
  // addresses of the stored matrix (coalesced) in every layout.
  var ai: array<u32, LOADS>;
  var ak: array<u32, LOADS>;
  var bj: array<u32, LOADS>;
  var bk: array<u32, LOADS>;
  for (var l = 0u; l < LOADS; l++) {
    let e = t + l * THREADS;
    if (trans_a) { ai[l] = e % BM; ak[l] = e / BM; } else { ak[l] = e % BK; ai[l] = e / BK; }
    if (trans_b) { bk[l] = e % BK; bj[l] = e / BK; } else { bj[l] = e % BN; bk[l] = e / BN; }
  }

  // The next tile is fetched into registers while the current one is multiplied (software
  // pipelining), so global-memory latency hides behind the FMAs.
  var next_a: array<f32, LOADS>;
  var next_b: array<f32, LOADS>;
  for (var l = 0u; l < LOADS; l++) {
    next_a[l] = load_a(i0 + ai[l], ak[l]);
    next_b[l] = load_b(bk[l], j0 + bj[l]);
  }

  for (var k0 = 0u; k0 < u.k; k0 += BK) {
    for (var l = 0u; l < LOADS; l++) {
      tile_a[ak[l] * (BM / 4u) + ai[l] / 4u][ai[l] % 4u] = next_a[l];
      tile_b[bk[l] * (BN / 4u) + bj[l] / 4u][bj[l] % 4u] = next_b[l];
    }
    workgroupBarrier();

    if (k0 + BK < u.k) {
      for (var l = 0u; l < LOADS; l++) {
        next_a[l] = load_a(i0 + ai[l], k0 + BK + ak[l]);
        next_b[l] = load_b(k0 + BK + bk[l], j0 + bj[l]);
      }
    }

    for (var kk = 0u; kk < BK; kk++) {
      let a_lo = tile_a[kk * (BM / 4u) + tr * 2u];
      let a_hi = tile_a[kk * (BM / 4u) + tr * 2u + 1u];
      let b_lo = tile_b[kk * (BN / 4u) + tc * 2u];
      let b_hi = tile_b[kk * (BN / 4u) + tc * 2u + 1u];
      for (var r = 0u; r < 4u; r++) {
        acc[r * 2u] = fma(vec4<f32>(a_lo[r]), b_lo, acc[r * 2u]);
        acc[r * 2u + 1u] = fma(vec4<f32>(a_lo[r]), b_hi, acc[r * 2u + 1u]);
        acc[(r + 4u) * 2u] = fma(vec4<f32>(a_hi[r]), b_lo, acc[(r + 4u) * 2u]);
        acc[(r + 4u) * 2u + 1u] = fma(vec4<f32>(a_hi[r]), b_hi, acc[(r + 4u) * 2u + 1u]);
      }
    }
    workgroupBarrier();
  }

  for (var r = 0u; r < 8u; r++) {
    let row = i0 + tr * 8u + r;
    if (row >= u.m) { break; }
    for (var q = 0u; q < 8u; q++) {
      let col = j0 + tc * 8u + q;
      if (col >= u.n) { break; }
      let idx = row * u.n + col;
      var v = acc[r * 2u + q / 4u][q % 4u];
      if ((u.flags & 4u) != 0u) { v += c[idx]; }
      c[idx] = v;
    }
  }
}
