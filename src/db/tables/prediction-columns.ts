/** Table types of migrations/0005_prediction_columns.sql and 0007_prediction_ids.sql. */
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

/** migrations/0007_prediction_ids.sql: the next id each table may hand out (src/monitoring/prediction-ids.ts). */
export interface IdSequencesTable {
  name: string;
  next_id: number;
}

export interface PredictionColumnTables {
  prediction_batches: PredictionBatchesTable;
  id_sequences: IdSequencesTable;
}
