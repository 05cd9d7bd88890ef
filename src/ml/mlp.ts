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
 */
import type { Backend, IndexVector, Matrix } from "../compute/backend";
import { checkFeatures, encodeTargets, splitRows, type TrainingData, takeRows } from "./data";
import { TrainingError } from "./errors";
import { accuracy, r2Score } from "./metrics";
import { initLayers, type MlpModel, type MlpOptions, resolveOptions } from "./model";
import { DeviceNet, type Workspace } from "./network";
import { Random } from "./random";

export { TrainingError } from "./errors";
export type { MlpModel, MlpOptions, Progress } from "./model";
export { predict, predictLabels } from "./predict";

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
    // Host-side split (sklearn splits after initialising the weights, so do we).
    let trainX = data.x;
    let trainY = enc.target;
    let val: { x: Matrix; truth: Float32Array; rows: number } | undefined;
    if (o.earlyStopping) {
      const split = splitRows(rng, data.rows, o.validationFraction, enc.classIndex);
      trainX = takeRows(data.x, data.cols, split.train);
      trainY = takeRows(enc.target, enc.target.length / data.rows, split.train);
      const vRows = split.validation.length;
      val = {
        x: net.alloc(vRows, data.cols, takeRows(data.x, data.cols, split.validation)),
        truth: takeRows(enc.target, enc.target.length / data.rows, split.validation),
        rows: vRows,
      };
    }
    const n = trainX.length / data.cols;
    const yCols = classification ? 1 : enc.nOutputs;
    const X = net.alloc(n, data.cols, trainX);
    const Y = net.alloc(n, yCols, trainY);
    const batch = o.batchSize === "auto" ? Math.min(200, n) : Math.min(o.batchSize, n);
    const full = { ws: net.workspace(batch, true), y: net.alloc(batch, yCols) };
    const rest = n % batch;
    const tail = rest > 0 ? { ws: net.workspace(rest, true), y: net.alloc(rest, yCols) } : undefined;
    const valWs = val ? net.workspace(val.rows, false, val.x) : undefined;
    const valOut = val && classification ? net.alloc(val.rows, 1) : undefined;

    // Adam state, gradients and the two per-epoch accumulators (data loss, Σ‖W‖² per step).
    const L = net.weights.length;
    const like = (m: Matrix) => net.alloc(m.rows, m.cols);
    const gW = net.weights.map(like);
    const gb = net.biases.map(like);
    const adam = [...net.weights, ...net.biases].map((p) => ({ m: like(p), v: like(p) }));
    const lossAcc = net.alloc(1, 1);
    const l2Acc = net.alloc(1, 1);
    const order = Uint32Array.from({ length: n }, (_, i) => i);
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
    const step = (w: { ws: Workspace; y: Matrix }, offset: number) => {
      const { ws } = w;
      const rows = ws.rows;
      backend.gatherRows(X, idx, offset, ws.acts[0] as Matrix);
      backend.gatherRows(Y, idx, offset, w.y);
      net.forward(ws);
      net.backward(ws, w.y, classification, gW, gb, lossAcc, o.alpha > 0 ? l2Acc : undefined);
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
      backend.fill(lossAcc, 0);
      backend.fill(l2Acc, 0);
      for (let offset = 0; offset + batch <= n; offset += batch) {
        checkCancelled();
        step(full, offset);
      }
      if (tail) step(tail, n - rest);
      const dataLoss = (await backend.read(lossAcc))[0] as number;
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
