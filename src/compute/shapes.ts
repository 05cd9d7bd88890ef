/**
 * The argument checks the CPU backends (`cpu.ts`, `native.ts`) share: one function per operation,
 * each throwing `ShapeError` with the operation's message before anything runs. `webgpu.ts` shares
 * the allocation and write checks; its operations word their messages their own way.
 */
import { ACTIVATIONS, type Activation, expectShape, type IndexVector, type Matrix } from "./backend";

function sameShape(a: Matrix, b: Matrix): boolean {
  return a.rows === b.rows && a.cols === b.cols;
}

function isCount(n: number): boolean {
  return Number.isInteger(n) && n >= 0;
}

function dims(m: Matrix): string {
  return `${m.rows}×${m.cols}`;
}

/** The kernels' code for `act` (its index in ACTIVATIONS); an Error for an unknown one. */
export function activationCode(act: Activation): number {
  const code = ACTIVATIONS.indexOf(act);
  if (code < 0) throw new Error(`unknown activation ${act}`);
  return code;
}

/** `matrix(rows, cols, data?)`: whole sizes, and rows*cols values when `data` is given. */
export function checkMatrix(rows: number, cols: number, data?: Float32Array): void {
  expectShape(isCount(rows) && isCount(cols), `matrix: ${rows}×${cols}`);
  if (data) expectShape(data.length === rows * cols, `matrix: ${rows}×${cols} from ${data.length} values`);
}

/** `write(m, data)`: rows*cols values. */
export function checkWrite(m: Matrix, data: Float32Array): void {
  expectShape(data.length === m.rows * m.cols, `write: ${dims(m)} from ${data.length} values`);
}

/** `writeIndices(v, data)`: as many values as `v` holds. */
export function checkWriteIndices(v: IndexVector, data: Uint32Array): void {
  expectShape(data.length === v.length, `writeIndices: ${v.length} from ${data.length} values`);
}

/** `biasActivation`: bias 1×cols of x, out the shape of x. */
export function checkBiasActivation(x: Matrix, bias: Matrix, out: Matrix): void {
  expectShape(bias.rows === 1 && bias.cols === x.cols, `biasActivation: bias ${dims(bias)} for x ${dims(x)}`);
  expectShape(sameShape(x, out), `biasActivation: out ${dims(out)} for x ${dims(x)}`);
}

/** `activationBackward`: grad the shape of y. */
export function checkActivationBackward(grad: Matrix, y: Matrix): void {
  expectShape(sameShape(grad, y), `activationBackward: grad ${dims(grad)}, y ${dims(y)}`);
}

/** `softmaxCrossEntropy`: labels rows×1, probs and grad the shape of logits, loss at least one value. */
export function checkSoftmaxCrossEntropy(
  logits: Matrix,
  labels: Matrix,
  probs: Matrix,
  grad: Matrix,
  loss: Matrix,
): void {
  expectShape(
    labels.rows === logits.rows &&
      labels.cols === 1 &&
      sameShape(logits, probs) &&
      sameShape(logits, grad) &&
      loss.rows * loss.cols >= 1,
    `softmaxCrossEntropy: logits ${dims(logits)}, labels ${dims(labels)}, probs ${dims(probs)}, grad ${dims(grad)}, loss ${dims(loss)}`,
  );
}

/** `squaredError`: target and grad the shape of pred, loss at least one value. */
export function checkSquaredError(pred: Matrix, target: Matrix, grad: Matrix, loss: Matrix): void {
  expectShape(
    sameShape(pred, target) && sameShape(pred, grad) && loss.rows * loss.cols >= 1,
    `squaredError: pred ${dims(pred)}, target ${dims(target)}, grad ${dims(grad)}`,
  );
}

/** `columnSums`: out 1×cols of x. */
export function checkColumnSums(x: Matrix, out: Matrix): void {
  expectShape(out.rows === 1 && out.cols === x.cols, `columnSums: out ${dims(out)} for x ${dims(x)}`);
}

/** `sumSquares`: acc at least one value. */
export function checkSumSquares(acc: Matrix): void {
  expectShape(acc.rows * acc.cols >= 1, `sumSquares: acc ${dims(acc)}`);
}

/** `adamStep`: grad, m and v the shape of param. */
export function checkAdamStep(param: Matrix, grad: Matrix, m: Matrix, v: Matrix): void {
  expectShape(
    sameShape(param, grad) && sameShape(param, m) && sameShape(param, v),
    `adamStep: param ${dims(param)}, grad ${dims(grad)}, m ${dims(m)}, v ${dims(v)}`,
  );
}

/** `gatherRows`: out as wide as src, and idx[offset .. offset + out.rows) within idx. */
export function checkGatherRows(src: Matrix, idx: IndexVector, offset: number, out: Matrix): void {
  expectShape(
    out.cols === src.cols && isCount(offset) && offset + out.rows <= idx.length,
    `gatherRows: src ${dims(src)}, ${idx.length} indices from ${offset}, out ${dims(out)}`,
  );
}

/** `softmax`: out the shape of x. */
export function checkSoftmax(x: Matrix, out: Matrix): void {
  expectShape(sameShape(x, out), `softmax: out ${dims(out)} for x ${dims(x)}`);
}

/** `argmax`: out rows×1, and x with columns unless it has no rows. */
export function checkArgmax(x: Matrix, out: Matrix): void {
  expectShape(out.rows === x.rows && out.cols === 1, `argmax: out ${dims(out)} for x ${dims(x)}`);
  expectShape(x.cols > 0 || x.rows === 0, `argmax: x ${x.rows}×0 has no columns`);
}

/** `addInto`: acc the shape of x. */
export function checkAddInto(x: Matrix, acc: Matrix): void {
  expectShape(sameShape(x, acc), `addInto: x ${dims(x)}, acc ${dims(acc)}`);
}
