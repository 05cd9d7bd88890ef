/**
 * Whether a feature spec, a network and its target, read from a file the service did not write
 * (an imported artifact), are something the service can encode and run: every field the encoder
 * and the forward pass read is present, of the right type and consistent with the others. The
 * training code never produces anything else, so only imports need this.
 */
import { ACTIVATIONS } from "../compute/backend";
import { encodeRows, type FeatureSpec } from "./features";
import type { MlpModel } from "./model";
import { predictHost } from "./predict";

export interface ModelProblem {
  path: string;
  message: string;
}

/** The largest text hashing width accepted (the service writes 256). */
const MAX_TEXT_DIMS = 1 << 16;

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
const finite = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);
const count = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) > 0;

function featureProblems(spec: unknown, nameProblem: (name: string) => string | null): ModelProblem[] {
  const out: ModelProblem[] = [];
  const bad = (path: string, message: string) => out.push({ path: `spec.${path}`, message });
  if (!isObject(spec)) return [{ path: "spec", message: "missing or not an object" }];
  if (spec.version !== 1) bad("version", `unknown feature spec version ${JSON.stringify(spec.version)}`);
  if (!Array.isArray(spec.features) || spec.features.length === 0) {
    bad("features", "no features");
    return out;
  }
  const seen = new Set<string>();
  let width = 0;
  for (const [i, f] of (spec.features as unknown[]).entries()) {
    const at = `features.${i}`;
    if (!isObject(f)) {
      bad(at, "not an object");
      continue;
    }
    if (typeof f.name !== "string") {
      bad(`${at}.name`, "not a string");
      continue;
    }
    const problem = nameProblem(f.name);
    if (problem) bad(`${at}.name`, `feature name ${problem}`);
    if (seen.has(f.name)) bad(`${at}.name`, `feature ${f.name} appears twice`);
    seen.add(f.name);
    switch (f.kind) {
      case "numeric":
        if (!finite(f.mean)) bad(`${at}.mean`, "not a finite number");
        if (!finite(f.std) || f.std <= 0) bad(`${at}.std`, "not a positive finite number");
        width += flagWidth(f, at, bad);
        break;
      case "boolean":
        if (!finite(f.rate) || f.rate < 0 || f.rate > 1) bad(`${at}.rate`, "not a number between 0 and 1");
        width += flagWidth(f, at, bad);
        break;
      case "categorical": {
        const cats = f.categories;
        if (!Array.isArray(cats) || !cats.every((c) => typeof c === "string")) {
          bad(`${at}.categories`, "not a list of strings");
          break;
        }
        if (new Set(cats).size !== cats.length) bad(`${at}.categories`, "a category appears twice");
        width += cats.length + 1;
        break;
      }
      case "text":
        if (!count(f.dims) || f.dims > MAX_TEXT_DIMS) bad(`${at}.dims`, `not an integer from 1 to ${MAX_TEXT_DIMS}`);
        else width += f.dims;
        break;
      default:
        bad(`${at}.kind`, `unknown feature kind ${JSON.stringify(f.kind)} (numeric, boolean, categorical, text)`);
    }
  }
  if (out.length === 0 && spec.width !== width) bad("width", `says ${spec.width} columns, the features make ${width}`);
  return out;
}

/** Columns of a numeric or boolean feature: its value, and a missing flag unless `flag` is false. */
function flagWidth(f: Record<string, unknown>, at: string, bad: (path: string, message: string) => void): number {
  if (f.flag !== undefined && typeof f.flag !== "boolean") bad(`${at}.flag`, "not true or false");
  return f.flag === false ? 1 : 2;
}

function networkProblems(model: MlpModel, width: unknown, task: unknown): ModelProblem[] {
  const out: ModelProblem[] = [];
  const bad = (path: string, message: string) => out.push({ path: `model.${path}`, message });
  if (model.task !== "classification" && model.task !== "regression") bad("task", "not classification or regression");
  if (model.task !== task) bad("task", `the model is ${model.task}, its target says ${String(task)}`);
  if (!ACTIVATIONS.includes(model.activation)) bad("activation", `not one of ${ACTIVATIONS.join(", ")}`);
  if (model.nFeatures !== width)
    bad("nFeatures", `the network takes ${model.nFeatures} inputs, the features make ${width}`);
  let fanIn = model.nFeatures;
  model.layers.forEach((l, i) => {
    if (l.rows !== fanIn) bad(`layers.${i}`, `takes ${l.rows} inputs where the layer before gives ${fanIn}`);
    if (!count(l.cols) || l.weights.length !== l.rows * l.cols || l.bias.length !== l.cols)
      bad(`layers.${i}`, "its weights do not match its shape");
    if (!l.weights.every(Number.isFinite) || !l.bias.every(Number.isFinite))
      bad(`layers.${i}`, "holds a value that is not finite");
    fanIn = l.cols;
  });
  if (model.layers.length === 0) bad("layers", "no layers");
  else if (fanIn !== model.nOutputs) bad("nOutputs", `says ${model.nOutputs} outputs, the last layer gives ${fanIn}`);
  if (model.task === "classification") {
    const classes = model.classes;
    if (!Array.isArray(classes) || classes.length !== model.nOutputs || classes.length < 2)
      bad("classes", `expected ${model.nOutputs} class labels`);
    else if (!classes.every((c) => typeof c === "string" || finite(c)))
      bad("classes", "a label is not a string or number");
  }
  return out;
}

/**
 * What makes the spec, network and target unusable (empty: usable). `nameProblem` judges feature
 * names as the service judges column names. Last, one row of missing values goes through the
 * encoder and the network: it must give finite outputs.
 */
export function modelProblems(
  spec: unknown,
  model: MlpModel,
  target: unknown,
  nameProblem: (name: string) => string | null,
): ModelProblem[] {
  const out = featureProblems(spec, nameProblem);
  if (!isObject(target) || typeof target.field !== "string" || target.field === "")
    out.push({ path: "target.field", message: "missing" });
  else {
    const { mean, std } = target;
    if ((mean !== undefined && !finite(mean)) || (std !== undefined && !(finite(std) && std > 0)))
      out.push({ path: "target", message: "mean and std must be finite (std positive)" });
  }
  if (out.length) return out;
  const s = spec as FeatureSpec;
  out.push(...networkProblems(model, s.width, (target as { task?: unknown }).task));
  if (out.length) return out;
  const empty = Object.fromEntries(s.features.map((f) => [f.name, null]));
  const y = predictHost(model, encodeRows(s, [empty]));
  if (!y.every(Number.isFinite))
    out.push({ path: "model", message: "gives a non-finite output for a row of missing values" });
  return out;
}
