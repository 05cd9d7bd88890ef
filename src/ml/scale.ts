/**
 * Feature standardisation as sklearn's StandardScaler: mean and population std (ddof 0) per column
 * from the training rows; a constant column gets std 1 so it maps to 0 instead of NaN.
 */
export interface Scaler {
  mean: Float64Array;
  std: Float64Array;
}

/** x is rows×cols row-major */
export function fitScaler(x: ArrayLike<number>, cols: number): Scaler {
  const rows = x.length / cols;
  const mean = new Float64Array(cols);
  const std = new Float64Array(cols);
  for (let i = 0; i < x.length; i++) mean[i % cols] = (mean[i % cols] as number) + (x[i] as number);
  for (let j = 0; j < cols; j++) mean[j] = (mean[j] as number) / rows;
  for (let i = 0; i < x.length; i++)
    std[i % cols] = (std[i % cols] as number) + ((x[i] as number) - (mean[i % cols] as number)) ** 2;
  for (let j = 0; j < cols; j++) {
    const s = Math.sqrt((std[j] as number) / rows);
    std[j] = s > 0 ? s : 1;
  }
  return { mean, std };
}

/** (x - mean) / std per column, as a new f32 array */
export function applyScaler(s: Scaler, x: ArrayLike<number>): Float32Array {
  const cols = s.mean.length;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++)
    out[i] = ((x[i] as number) - (s.mean[i % cols] as number)) / (s.std[i % cols] as number);
  return out;
}
