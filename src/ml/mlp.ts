/**
 * Mini-batch Adam training of an MLP over any Backend, with scikit-learn's MLPClassifier /
 * MLPRegressor semantics (init, loss, L2, Adam, batching, early stopping, stopping rules).
 *
 * Classification uses a softmax output with cross-entropy for every class count; sklearn uses a
 * single logistic unit for two classes. Both give the same kind of model and the same loss scale,
 * but the parameterisation (and so the exact numbers) differ for binary problems.
 *
 * Device traffic: train (and validation) rows are uploaded once; each epoch uploads one
 * permutation; batches are gathered on the device; one submit() per step; the loss accumulators
 * are read once per epoch; parameters are read once at the end.
 *
 * On a backend with several lanes (the CPU backend's threads) a large enough batch is split into
 * contiguous row ranges, one per lane; each lane runs forward and backward on its rows on its own
 * thread, and the lanes' gradients are summed in lane order before the Adam step. The split depends
 * only on the batch size, the layer sizes and the lane count, so a fit repeats bit for bit on the same
 * machine; a different thread count sums in a different order (results agree to float rounding).
 */
import type { Backend, IndexVector, Matrix } from "../compute/backend";
import { checkFeatures, encodeTargets, splitRows, type TrainingData, takeRows } from "./data";
import { TrainingError } from "./errors";
import { accuracy, r2Score } from "./metrics";
import { initLayers, type MlpModel, type MlpOptions, resolveOptions } from "./model";
import { DeviceNet, stepLanes, type Workspace } from "./network";
import { Random } from "./random";

export { TrainingError } from "./errors";
export type { MlpModel, MlpOptions, Progress } from "./model";
export { stepLanes } from "./network";
export { predict, predictLabels } from "./predict";

/** Per lane: its own gradients and data-loss accumulator (lane 0's are the ones Adam reads). */
interface LaneState {
  gW: Matrix[];
  gb: Matrix[];
  loss: Matrix;
}

/** One lane's share of a step: rows [start, start + ws.rows) of the batch. */
interface StepPart extends LaneState {
  start: number;
  ws: Workspace;
  y: Matrix;
}

interface StepPlan {
  rows: number;
  parts: StepPart[];
}

/** steps between young-generation collections in a fit */
const GC_STEPS = 64;

export async function trainMlp(backend: Backend, data: TrainingData, options: MlpOptions): Promise<MlpModel> {
  const o = resolveOptions(options);
  checkFeatures(data.x, data.rows, data.cols);
  const enc = encodeTargets(o.task, data.y, data.rows);
  const classification = o.task === "classification";
  const rng = new Random(o.seed);
  const sizes = [data.cols, ...o.hidden, enc.nOutputs];
  const net = new DeviceNet(backend, initLayers(sizes, o.activation, rng), o.activation);
  const started = performance.now();
  const owned: IndexVector[] = [];
  try {
    // The split is by index (sklearn splits after initialising the weights, so do we): every row
    // is uploaded once, steps gather the training rows through their indices and the validation
    // rows are gathered on the device, so no host copy of the data is made.
    const yCols = classification ? 1 : enc.nOutputs;
    const split = o.earlyStopping ? splitRows(rng, data.rows, o.validationFraction, enc.classIndex) : undefined;
    // only read (gathered into batches): in place where the backend can, with no second copy
    const X = net.input(data.rows, data.cols, data.x);
    const Y = net.alloc(data.rows, yCols, enc.target);
    let val: { x: Matrix; truth: Float32Array; rows: number } | undefined;
    if (split) {
      const vRows = split.validation.length;
      const vIdx = backend.indices(split.validation);
      owned.push(vIdx);
      const vx = net.alloc(vRows, data.cols);
      backend.gatherRows(X, vIdx, 0, vx);
      val = { x: vx, truth: takeRows(enc.target, enc.target.length / data.rows, split.validation), rows: vRows };
    }
    const n = split ? split.train.length : data.rows;
    const batch = o.batchSize === "auto" ? Math.min(200, n) : Math.min(o.batchSize, n);
    const valWs = val ? net.workspace(val.rows, false, val.x) : undefined;
    const valOut = val && classification ? net.alloc(val.rows, 1) : undefined;

    // Adam state, and per lane: gradients and the data-loss accumulator; Σ‖W‖² per step (lane 0 adds it).
    const L = net.weights.length;
    const like = (m: Matrix) => net.alloc(m.rows, m.cols);
    const adam = [...net.weights, ...net.biases].map((p) => ({ m: like(p), v: like(p) }));
    const l2Acc = net.alloc(1, 1);
    const laneState: LaneState[] = [];
    const lane = (l: number): LaneState => {
      laneState[l] ??= { gW: net.weights.map(like), gb: net.biases.map(like), loss: net.alloc(1, 1) };
      return laneState[l] as LaneState;
    };
    const plan = (rows: number): StepPlan => {
      const lanes = stepLanes(backend.lanes, rows, sizes);
      const parts = Array.from({ length: lanes }, (_, l) => {
        const start = Math.floor((l * rows) / lanes);
        const partRows = Math.floor(((l + 1) * rows) / lanes) - start;
        return { start, ws: net.workspace(partRows, true), y: net.alloc(partRows, yCols), ...lane(l) };
      });
      return { rows, parts };
    };
    const full = plan(batch);
    const rest = n % batch;
    const tail = rest > 0 ? plan(rest) : undefined;
    const { gW, gb } = lane(0);
    // positions in the shuffled order are the same as over a copy of the training rows
    const order = split ? split.train.slice() : Uint32Array.from({ length: n }, (_, i) => i);
    const idx = backend.indices(order);
    owned.push(idx);
    // Best weights stay on the device: gathering rows 0..r-1 through an identity index is a copy.
    const identity = backend.indices(Uint32Array.from({ length: Math.max(...sizes) }, (_, i) => i));
    owned.push(identity);
    const best = val ? { weights: net.weights.map(like), biases: net.biases.map(like) } : undefined;
    const copyParams = (from: Matrix[], to: Matrix[]) => {
      for (let i = 0; i < from.length; i++) backend.gatherRows(from[i] as Matrix, identity, 0, to[i] as Matrix);
    };

    const params = [...net.weights, ...net.biases];
    const grads = [...gW, ...gb];
    let t = 0;
    const step = (p: StepPlan, offset: number) => {
      const rows = p.rows;
      const pass = (part: StepPart, l: number) => {
        const { ws } = part;
        backend.gatherRows(X, idx, offset + part.start, ws.acts[0] as Matrix);
        backend.gatherRows(Y, idx, offset + part.start, part.y);
        net.forward(ws);
        const l2 = l === 0 && o.alpha > 0 ? l2Acc : undefined;
        net.backward(ws, part.y, classification, part.gW, part.gb, part.loss, l2, rows);
      };
      if (p.parts.length === 1) pass(p.parts[0] as StepPart, 0);
      else backend.parallel(p.parts.length, (l) => pass(p.parts[l] as StepPart, l));
      for (const part of p.parts.slice(1)) {
        const laneGrads = [...part.gW, ...part.gb];
        for (let i = 0; i < grads.length; i++) backend.addInto(laneGrads[i] as Matrix, grads[i] as Matrix);
      }
      t++;
      for (let i = 0; i < params.length; i++) {
        const s = adam[i] as { m: Matrix; v: Matrix };
        backend.adamStep(params[i] as Matrix, grads[i] as Matrix, s.m, s.v, {
          lr: o.learningRate,
          beta1: o.beta1,
          beta2: o.beta2,
          eps: o.epsilon,
          t,
          l2: i < L ? o.alpha / rows : 0,
        });
      }
      backend.submit();
    };

    const lossCurve: number[] = [];
    const validationScores: number[] = [];
    let bestLoss = Infinity;
    let bestScore = -Infinity;
    let noImprovement = 0;
    const checkCancelled = () => {
      if (options.signal?.aborted) throw new TrainingError("cancelled", "training was cancelled");
    };
    for (let epoch = 1; epoch <= o.maxIter; epoch++) {
      checkCancelled();
      if (o.shuffle) backend.writeIndices(idx, rng.shuffle(order));
      for (const s of laneState) backend.fill(s.loss, 0);
      backend.fill(l2Acc, 0);
      for (let offset = 0, k = 1; offset + batch <= n; offset += batch, k++) {
        checkCancelled();
        step(full, offset);
        // JSC sizes its young generation by the heap's size with external memory (the rows) counted
        // in, so the steps' small garbage grew to ~50 MB between collections; a young collection
        // of a heap this small takes well under a millisecond.
        if (k % GC_STEPS === 0) Bun.gc(false);
      }
      if (tail) step(tail, n - rest);
      let dataLoss = 0;
      for (const s of laneState) dataLoss += (await backend.read(s.loss))[0] as number;
      const l2 = o.alpha > 0 ? ((await backend.read(l2Acc))[0] as number) : 0;
      // sklearn: loss_ = Σ_batches batch_loss·batch_rows / n, batch_loss = data/rows + 0.5α‖W‖²/rows;
      // its squared loss averages over outputs too (while δ does not), hence the division by nOutputs.
      const loss = ((classification ? dataLoss : dataLoss / enc.nOutputs) + 0.5 * o.alpha * l2) / n;
      if (!Number.isFinite(loss)) {
        throw new TrainingError(
          "diverged",
          `training loss became ${loss} at epoch ${epoch}; try a smaller learning rate or standardised features`,
        );
      }
      lossCurve.push(loss);

      let score: number | null = null;
      if (val && valWs) {
        net.forward(valWs);
        const out = valWs.acts[L] as Matrix;
        if (valOut) {
          backend.argmax(out, valOut);
          score = accuracy(val.truth, await backend.read(valOut));
        } else score = r2Score(val.truth, await backend.read(out), enc.nOutputs);
        validationScores.push(score);
        // sklearn's _update_no_improvement_count with early stopping.
        noImprovement = score < bestScore + o.tol ? noImprovement + 1 : 0;
        if (score > bestScore) {
          bestScore = score;
          if (best) copyParams(params, [...best.weights, ...best.biases]);
        }
      } else {
        noImprovement = loss > bestLoss - o.tol ? noImprovement + 1 : 0;
        if (loss < bestLoss) bestLoss = loss;
      }
      options.onProgress?.({ epoch, loss, validationScore: score, elapsedMs: performance.now() - started });
      if (noImprovement > o.nIterNoChange) break;
    }
    if (best) copyParams([...best.weights, ...best.biases], params);
    const layers = await net.read();
    return {
      task: o.task,
      ...(enc.classes ? { classes: enc.classes } : {}),
      activation: o.activation,
      nFeatures: data.cols,
      nOutputs: enc.nOutputs,
      layers,
      nIter: lossCurve.length,
      lossCurve,
      ...(val ? { validationScores, bestValidationScore: bestScore } : {}),
    };
  } finally {
    for (const v of owned) backend.release(v);
    net.release();
  }
}
