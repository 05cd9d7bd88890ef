/** Table types of migrations/0005_prediction_columns.sql. */
import type { Generated } from "kysely";

export interface PredictionBatchesTable {
  id: Generated<number>;
  model_key: string;
  version: string;
  first_prediction_id: number;
  last_prediction_id: number;
  /** ISO times of the earliest and latest entry */
  created_from: string;
  created_to: string;
  row_count: number;
  /** JSON BatchColumn[] (src/monitoring/columns.ts) */
  columns: string;
  /** binary column data, layout in src/monitoring/columns.ts */
  data: Uint8Array;
}

export interface PredictionColumnTables {
  prediction_batches: PredictionBatchesTable;
}
