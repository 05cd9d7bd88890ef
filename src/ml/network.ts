/**
 * An MLP's parameters living on a Backend, and the forward pass enqueued over them.
 * Shared by training (mlp.ts) and inference (predict.ts).
 */
import type { Activation, Backend, Matrix } from "../compute/backend";
import type { DenseLayer } from "./model";

/** Matrices allocated for one batch size: acts[0] is the input (rows×sizes[0]), acts[l+1] the output of layer l. */
export interface Workspace {
  rows: number;
  acts: Matrix[];
  /** deltas[l] is rows×sizes[l] (l ≥ 1): the loss gradient w.r.t. the pre-activation of layer l−1's output; training only */
  deltas: Matrix[];
}

/** A lane's share below this many rows is not worth a thread. */
const MIN_LANE_ROWS = 32;
/**
 * A step whose forward pass is below this many multiply-adds (~40 µs on one core) stays on one lane:
 * waking a worker and waiting for it costs tens of microseconds.
 */
const MIN_LANE_MACS = 1 << 20;

/** How many lanes a step of `rows` rows uses, for layer sizes `sizes`. */
export function stepLanes(lanes: number, rows: number, sizes: number[]): number {
  let macsPerRow = 0;
  for (let l = 0; l + 1 < sizes.length; l++) macsPerRow += (sizes[l] as number) * (sizes[l + 1] as number);
  if (lanes <= 1 || rows * macsPerRow < MIN_LANE_MACS) return 1;
  return Math.max(1, Math.min(lanes, Math.floor(rows / MIN_LANE_ROWS)));
}

export class DeviceNet {
  readonly weights: Matrix[];
  readonly biases: Matrix[];
  /** [nFeatures, hidden..., nOutputs] */
  readonly sizes: number[];
  readonly #owned: Matrix[] = [];

  constructor(
    readonly backend: Backend,
    layers: DenseLayer[],
    readonly activation: Activation,
  ) {
    this.weights = layers.map((l) => this.alloc(l.rows, l.cols, l.weights));
    this.biases = layers.map((l) => this.alloc(1, l.cols, l.bias));
    this.sizes = [(layers[0] as DenseLayer).rows, ...layers.map((l) => l.cols)];
  }

  /** Allocate a matrix released with this net. */
  alloc(rows: number, cols: number, data?: Float32Array): Matrix {
    const m = this.backend.matrix(rows, cols, data);
    this.#owned.push(m);
    return m;
  }

  /** `data` as a matrix released with this net, in place where the backend can read it there (Backend.borrow). */
  input(rows: number, cols: number, data: Float32Array): Matrix {
    const m = this.backend.borrow ? this.backend.borrow(rows, cols, data) : this.backend.matrix(rows, cols, data);
    this.#owned.push(m);
    return m;
  }

  workspace(rows: number, withDeltas: boolean, input?: Matrix): Workspace {
    const acts = this.sizes.map((n, l) => (l === 0 && input ? input : this.alloc(rows, n)));
    const deltas = withDeltas ? this.sizes.map((n, l) => (l === 0 ? (acts[0] as Matrix) : this.alloc(rows, n))) : [];
    return { rows, acts, deltas };
  }

  /** Enqueue act(A·W + b) layer by layer; the last layer is left linear (logits or regression values). */
  forward(ws: Workspace): void {
    const last = this.weights.length - 1;
    for (let l = 0; l <= last; l++) {
      const z = ws.acts[l + 1] as Matrix;
      this.backend.matmul(ws.acts[l] as Matrix, this.weights[l] as Matrix, z, false, false);
      this.backend.biasActivation(z, this.biases[l] as Matrix, l === last ? "identity" : this.activation, z);
    }
  }

  /**
   * Enqueue the output gradient and backprop for one batch (sklearn's _backprop without the L2 term,
   * which the trainer adds through Adam's l2 = α/rows). Writes gW[l] = Aᵀδ/rows and gb[l] = mean(δ);
   * adds Σ(-log p) (or ½Σ(pred-y)²) to lossAcc and, when `l2Acc` is given, ΣW² of the current weights.
   * `y` is rows×1 class indices (classification) or rows×outputs targets (regression).
   * `batchRows` is the whole batch's row count when `ws` holds one lane's share of it (the gradients
   * are divided by it, so that the lanes' gradients add up to the batch's).
   */
  backward(
    ws: Workspace,
    y: Matrix,
    classification: boolean,
    gW: Matrix[],
    gb: Matrix[],
    lossAcc: Matrix,
    l2Acc?: Matrix,
    batchRows = ws.rows,
  ) {
    const b = this.backend;
    const L = this.weights.length;
    const out = ws.acts[L] as Matrix;
    const delta = ws.deltas[L] as Matrix;
    // δ is scaled by 1/rows here, so Aᵀδ + (α/rows)W is sklearn's (Aᵀδ + αW)/rows.
    if (classification) b.softmaxCrossEntropy(out, y, delta, delta, lossAcc, 1 / batchRows);
    else b.squaredError(out, y, delta, lossAcc, 1 / batchRows);
    for (let l = L - 1; l >= 0; l--) {
      if (l2Acc) b.sumSquares(this.weights[l] as Matrix, l2Acc);
      const d = ws.deltas[l + 1] as Matrix;
      b.matmul(ws.acts[l] as Matrix, d, gW[l] as Matrix, true, false);
      b.columnSums(d, gb[l] as Matrix);
      if (l > 0) {
        b.matmul(d, this.weights[l] as Matrix, ws.deltas[l] as Matrix, false, true);
        b.activationBackward(ws.deltas[l] as Matrix, ws.acts[l] as Matrix, this.activation);
      }
    }
  }

  /** Read every layer back to the host. */
  async read(): Promise<DenseLayer[]> {
    const out: DenseLayer[] = [];
    for (let l = 0; l < this.weights.length; l++) {
      const w = this.weights[l] as Matrix;
      out.push({
        weights: await this.backend.read(w),
        bias: await this.backend.read(this.biases[l] as Matrix),
        rows: w.rows,
        cols: w.cols,
      });
    }
    return out;
  }

  release(): void {
    for (const m of this.#owned) this.backend.release(m);
    this.#owned.length = 0;
  }
}
