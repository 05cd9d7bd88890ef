/** Why a fit did not produce a model; `code` lets callers (CLI, jobs, HTTP) map it to an exit code or status. */
export type TrainingErrorCode = "invalid_input" | "invalid_options" | "diverged" | "cancelled";

export class TrainingError extends Error {
  override name = "TrainingError";
  constructor(
    readonly code: TrainingErrorCode,
    message: string,
  ) {
    super(message);
  }
}
