/**
 * Plain TypeScript reference of every Backend operation: obvious loops, float64 inside,
 * no tiling, no SIMD. Both real backends are compared against it; it lives in test/ only.
 */
import {
  type Activation,
  type AdamParams,
  type Backend,
  type BackendInfo,
  expectShape,
  F32_EPS,
  type IndexVector,
  type Matrix,
  matmulDims,
} from "../../src/compute/backend";

class RefMatrix implements Matrix {
  constructor(
    readonly rows: number,
    readonly cols: number,
    public data: Float64Array,
  ) {}
}

class RefIndices implements IndexVector {
  constructor(public data: Uint32Array) {}
  get length() {
    return this.data.length;
  }
}

const mat = (m: Matrix) => m as RefMatrix;

export function activate(act: Activation, z: number): number {
  switch (act) {
    case "identity":
      return z;
    case "relu":
      return Math.max(z, 0);
    case "tanh":
      return Math.tanh(z);
    case "logistic":
      return 1 / (1 + Math.exp(-z));
  }
}

/** d act / d z written through y = act(z), as sklearn's inplace derivatives are. */
export function derivative(act: Activation, y: number): number {
  switch (act) {
    case "identity":
      return 1;
    case "relu":
      return y > 0 ? 1 : 0;
    case "tanh":
      return 1 - y * y;
    case "logistic":
      return y * (1 - y);
  }
}

export class ReferenceBackend implements Backend {
  readonly info: BackendInfo = { kind: "cpu", device: "typescript reference", software: true };

  matrix(rows: number, cols: number, data?: Float32Array): Matrix {
    const m = new RefMatrix(rows, cols, new Float64Array(rows * cols));
    if (data) this.write(m, data);
    return m;
  }
  write(m: Matrix, data: Float32Array): void {
    expectShape(data.length === m.rows * m.cols, "write: length");
    mat(m).data = Float64Array.from(data);
  }
  async read(m: Matrix): Promise<Float32Array> {
    return Float32Array.from(mat(m).data);
  }
  indices(data: Uint32Array): IndexVector {
    return new RefIndices(Uint32Array.from(data));
  }
  writeIndices(v: IndexVector, data: Uint32Array): void {
    (v as RefIndices).data = Uint32Array.from(data);
  }
  release(): void {}

  matmul(a: Matrix, b: Matrix, c: Matrix, transA: boolean, transB: boolean, accumulate = false): void {
    const { m, k, n } = matmulDims(a, b, c, transA, transB);
    const A = mat(a).data;
    const B = mat(b).data;
    const C = mat(c).data;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = transA ? A[p * a.cols + i] : A[i * a.cols + p];
          const bv = transB ? B[j * b.cols + p] : B[p * b.cols + j];
          s += (av as number) * (bv as number);
        }
        C[i * n + j] = accumulate ? (C[i * n + j] as number) + s : s;
      }
    }
  }

  biasActivation(x: Matrix, bias: Matrix, act: Activation, out: Matrix): void {
    expectShape(bias.rows === 1 && bias.cols === x.cols, "biasActivation: bias");
    const X = mat(x).data;
    const b = mat(bias).data;
    const O = mat(out).data;
    for (let i = 0; i < x.rows * x.cols; i++) O[i] = activate(act, (X[i] as number) + (b[i % x.cols] as number));
  }

  activationBackward(grad: Matrix, y: Matrix, act: Activation): void {
    const G = mat(grad).data;
    const Y = mat(y).data;
    for (let i = 0; i < G.length; i++) G[i] = (G[i] as number) * derivative(act, Y[i] as number);
  }

  softmax(x: Matrix, out: Matrix): void {
    const X = mat(x).data;
    const O = mat(out).data;
    for (let r = 0; r < x.rows; r++) {
      let max = -Infinity;
      for (let c = 0; c < x.cols; c++) max = Math.max(max, X[r * x.cols + c] as number);
      let sum = 0;
      for (let c = 0; c < x.cols; c++) sum += Math.exp((X[r * x.cols + c] as number) - max);
      for (let c = 0; c < x.cols; c++) O[r * x.cols + c] = Math.exp((X[r * x.cols + c] as number) - max) / sum;
    }
  }

  softmaxCrossEntropy(logits: Matrix, labels: Matrix, probs: Matrix, grad: Matrix, loss: Matrix, scale: number): void {
    this.softmax(logits, probs);
    const P = mat(probs).data;
    const L = mat(labels).data;
    const G = mat(grad).data;
    let total = 0;
    for (let r = 0; r < logits.rows; r++) {
      const label = L[r] as number;
      for (let c = 0; c < logits.cols; c++) {
        const p = P[r * logits.cols + c] as number;
        if (c === label) total -= Math.log(Math.min(Math.max(p, F32_EPS), 1 - F32_EPS));
        G[r * logits.cols + c] = (p - (c === label ? 1 : 0)) * scale;
      }
    }
    const acc = mat(loss).data;
    acc[0] = (acc[0] as number) + total;
  }

  squaredError(pred: Matrix, target: Matrix, grad: Matrix, loss: Matrix, scale: number): void {
    const P = mat(pred).data;
    const T = mat(target).data;
    const G = mat(grad).data;
    let total = 0;
    for (let i = 0; i < P.length; i++) {
      const d = (P[i] as number) - (T[i] as number);
      total += 0.5 * d * d;
      G[i] = d * scale;
    }
    const acc = mat(loss).data;
    acc[0] = (acc[0] as number) + total;
  }

  columnSums(x: Matrix, out: Matrix, accumulate = false): void {
    const X = mat(x).data;
    const O = mat(out).data;
    for (let c = 0; c < x.cols; c++) {
      let s = 0;
      for (let r = 0; r < x.rows; r++) s += X[r * x.cols + c] as number;
      O[c] = accumulate ? (O[c] as number) + s : s;
    }
  }

  sumSquares(x: Matrix, acc: Matrix): void {
    let s = 0;
    for (const v of mat(x).data) s += v * v;
    const A = mat(acc).data;
    A[0] = (A[0] as number) + s;
  }

  adamStep(param: Matrix, grad: Matrix, m: Matrix, v: Matrix, p: AdamParams): void {
    const W = mat(param).data;
    const G = mat(grad).data;
    const M = mat(m).data;
    const V = mat(v).data;
    const lrT = (p.lr * Math.sqrt(1 - p.beta2 ** p.t)) / (1 - p.beta1 ** p.t);
    for (let i = 0; i < W.length; i++) {
      const g = (G[i] as number) + p.l2 * (W[i] as number);
      M[i] = p.beta1 * (M[i] as number) + (1 - p.beta1) * g;
      V[i] = p.beta2 * (V[i] as number) + (1 - p.beta2) * g * g;
      W[i] = (W[i] as number) - (lrT * (M[i] as number)) / (Math.sqrt(V[i] as number) + p.eps);
    }
  }

  gatherRows(src: Matrix, idx: IndexVector, offset: number, out: Matrix): void {
    const S = mat(src).data;
    const O = mat(out).data;
    const I = (idx as RefIndices).data;
    for (let r = 0; r < out.rows; r++) {
      const from = I[offset + r] as number;
      for (let c = 0; c < src.cols; c++) O[r * out.cols + c] = S[from * src.cols + c] as number;
    }
  }

  argmax(x: Matrix, out: Matrix): void {
    const X = mat(x).data;
    const O = mat(out).data;
    for (let r = 0; r < x.rows; r++) {
      let best = 0;
      for (let c = 1; c < x.cols; c++) if ((X[r * x.cols + c] as number) > (X[r * x.cols + best] as number)) best = c;
      O[r] = best;
    }
  }

  fill(m: Matrix, value: number): void {
    mat(m).data.fill(value);
  }

  addInto(x: Matrix, acc: Matrix): void {
    expectShape(
      x.rows === acc.rows && x.cols === acc.cols,
      `addInto: x ${x.rows}×${x.cols}, acc ${acc.rows}×${acc.cols}`,
    );
    const X = mat(x).data;
    const A = mat(acc).data;
    for (let i = 0; i < A.length; i++) A[i] = (A[i] as number) + (X[i] as number);
  }

  readonly lanes: number = 1;
  parallel(lanes: number, body: (lane: number) => void): void {
    for (let lane = 0; lane < lanes; lane++) body(lane);
  }
  submit(): void {}
  dispose(): void {}
}
