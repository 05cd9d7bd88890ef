/**
 * What makes data trainable, in two steps: what POST /train can tell from a dataset's header and
 * row count (422 before any job exists), and what only all the rows can tell (labelled rows, the
 * classes, a numeric regression target, numbers a float32 cannot hold), which the job checks once
 * it has loaded them, failing with the same message. Rows sent inline get both at once.
 */
import { checkColumnNames } from "../datasets/column-names";
import { invalid } from "../errors";
import { inferKind, isMissing, type Row, unrepresentableNumbers } from "../ml/features";

export type Task = "classification" | "regression";

export interface TrainingFields {
  target_field: string;
  feature_fields?: string[] | undefined;
  task_type?: Task | undefined;
  validation_split: number;
}

/** 422 unless the target and features are columns; returns the feature fields (all but the target by default). */
export function checkColumns(columns: readonly string[], body: TrainingFields): string[] {
  const known = new Set(columns);
  const target = body.target_field;
  if (!known.has(target))
    throw invalid(`target_field ${target} is not a column of the data`, [
      { path: "target_field", message: "unknown column" },
    ]);
  const features = body.feature_fields ?? columns.filter((c) => c !== target);
  const unknown = features.filter((f) => !known.has(f));
  if (unknown.length)
    throw invalid(
      `feature_fields not in the data: ${unknown.join(", ")}`,
      unknown.map((f) => ({ path: "feature_fields", message: `unknown column ${f}` })),
    );
  if (features.includes(target)) throw invalid("target_field cannot also be a feature");
  if (features.length === 0) throw invalid("no feature columns besides the target");
  return features;
}

/** 422 unless `labelled` rows leave at least 1 held-out and 2 training rows. */
export function checkLabelledCount(labelled: number, validationSplit: number): void {
  const held = Math.round(labelled * validationSplit);
  if (held < 1 || labelled - held < 2) {
    throw invalid(
      `${labelled} labelled rows are too few for validation_split ${validationSplit}: need at least 1 held-out and 2 training rows`,
    );
  }
}

/** The task asked for, or the target's: numeric with more than 20 distinct values is a regression. */
export function inferTask(labelledTargets: readonly unknown[], asked: Task | undefined): Task {
  if (asked) return asked;
  const numeric = inferKind([...labelledTargets]) === "numeric";
  return numeric && new Set(labelledTargets).size > 20 ? "regression" : "classification";
}

/** 422 unless a regression target is numeric (one non-numeric value in a sample settles it). */
export function checkTargetKind(target: string, task: Task, values: readonly unknown[]): void {
  if (task !== "regression") return;
  const kind = inferKind([...values]);
  if (kind !== "numeric") throw invalid(`regression needs a numeric target; ${target} holds ${kind} values`);
}

/**
 * Every check on all the rows: columns, labelled count, task, classes, numbers. Returns the task,
 * the feature fields, the labelled row count and the output count (classes, or 1). `field` names
 * the rows in a message: `items` of a request, `rows` of a stored dataset.
 */
export function checkTrainingRows(rows: Row[], body: TrainingFields, field: "items" | "rows" = "items") {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  checkColumnNames(columns, "the training rows");
  const features = checkColumns(columns, body);
  const target = body.target_field;
  const values = rows.map((r) => r[target]).filter((x) => !isMissing(x));
  checkLabelledCount(values.length, body.validation_split);
  const task = inferTask(values, body.task_type);
  let outputs = 1;
  if (task === "classification") {
    const classes = new Set(values.map(String));
    if (classes.size < 2)
      throw invalid(`the target ${target} has a single class (${[...classes][0]}); classification needs at least two`);
    outputs = classes.size;
  } else checkTargetKind(target, task, values);
  const unrepresentable = unrepresentableNumbers(rows, field);
  if (unrepresentable.length) {
    const first = unrepresentable[0] as { path: string; message: string };
    throw invalid(`${first.path}: ${first.message}`, unrepresentable.slice(0, 100));
  }
  return { task, features, labelled: values.length, outputs };
}
