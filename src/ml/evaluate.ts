/**
 * The metrics a version is judged by, on its held-out rows: accuracy, precision, recall and F1
 * (macro and weighted) with the confusion matrix for classification; R², MSE, MAE, RMSE for
 * regression.
 */
import {
  accuracy,
  confusionMatrix,
  meanAbsoluteError,
  meanSquaredError,
  precisionRecallF1,
  r2Score,
  rootMeanSquaredError,
} from "./metrics";
import type { Label } from "./model";

export interface ClassificationMetrics {
  accuracy: number;
  precision_macro: number;
  recall_macro: number;
  f1_macro: number;
  precision_weighted: number;
  recall_weighted: number;
  f1_weighted: number;
  confusion_matrix: { labels: Label[]; matrix: number[][] };
  n_samples: number;
}

export interface RegressionMetrics {
  r2: number;
  mse: number;
  mae: number;
  rmse: number;
  n_samples: number;
}

export function classificationMetrics(yTrue: Label[], yPred: Label[], classes: Label[]): ClassificationMetrics {
  const macro = precisionRecallF1(yTrue, yPred, "macro");
  const weighted = precisionRecallF1(yTrue, yPred, "weighted");
  return {
    accuracy: accuracy(yTrue, yPred),
    precision_macro: macro.precision,
    recall_macro: macro.recall,
    f1_macro: macro.f1,
    precision_weighted: weighted.precision,
    recall_weighted: weighted.recall,
    f1_weighted: weighted.f1,
    confusion_matrix: confusionMatrix(yTrue, yPred, classes),
    n_samples: yTrue.length,
  };
}

export function regressionMetrics(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): RegressionMetrics {
  return {
    r2: r2Score(yTrue, yPred),
    mse: meanSquaredError(yTrue, yPred),
    mae: meanAbsoluteError(yTrue, yPred),
    rmse: rootMeanSquaredError(yTrue, yPred),
    n_samples: yTrue.length,
  };
}

/** The one number a version is compared by: accuracy, or R² for regression. */
export const primaryScore = (m: ClassificationMetrics | RegressionMetrics) => ("accuracy" in m ? m.accuracy : m.r2);
