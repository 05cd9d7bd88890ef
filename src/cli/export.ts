/**
 * `mlservice export`: a model version out of the service's database and artifact store, as ONNX
 * (feature encoding inside the graph) or as the `.mlsa` artifact that POST /models/import takes.
 * It reads the same ML_DB_PATH and ML_ARTIFACTS_ROOT as the server and may run beside it.
 */
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { activeVersionOf, type ExportedFile, versionArtifact, versionOnnx } from "../registry/export";
import { openForCommand } from "./errors";
import { EXIT, type Io, parseArgs } from "./io";

const FORMATS = ["onnx", "mlsa"] as const;

export function usage(): string {
  return `Usage: mlservice export --model KEY [--version V] [--format onnx|mlsa] [--out FILE]

Writes a trained version of a model to a file:
  onnx   an ONNX model (opsets ai.onnx 13, ai.onnx.ml 2) taking the same raw columns as
         POST /predict, one input per feature; outputs "prediction" and, for classification,
         "probabilities" (README: ONNX export)
  mlsa   the service's own artifact, for POST /models/import into another service

  --model KEY     the model
  --version V     the version (default: the one that serves now)
  --format F      onnx (default) or mlsa
  --out FILE      where to write (default: KEY-VERSION.onnx or .mlsa in the current directory)

Exit codes: 0 written, 1 unknown model or version, a version without an artifact, a file
that cannot be written, 2 bad arguments, 3 bad configuration.

Examples:
  mlservice export --model iris
  mlservice export --model churn --version 1.2.0 --format onnx --out churn.onnx
  mlservice export --model churn --format mlsa --out /tmp/churn.mlsa`;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positional, unknown } = parseArgs(args, { values: ["model", "version", "format", "out"] });
  const problems = [...unknown, ...positional.map((p) => `unexpected argument ${p}`)];
  const format = values.format ?? "onnx";
  if (!values.model) problems.push("--model is required");
  if (!(FORMATS as readonly string[]).includes(format)) problems.push(`--format must be one of ${FORMATS.join(", ")}`);
  if (problems.length) {
    io.err(`mlservice export: ${problems.join("; ")}\n\n${usage()}`);
    return EXIT.usage;
  }
  const modelKey = values.model as string;
  const opened = await openForCommand(io);
  if (typeof opened === "number") return opened;
  const { config, store } = opened;
  try {
    const deps = { db: store.db, config };
    const version = values.version ?? (await activeVersionOf(store.db, modelKey));
    const file: ExportedFile =
      format === "onnx" ? await versionOnnx(deps, modelKey, version) : await versionArtifact(deps, modelKey, version);
    const out = resolve(io.cwd, values.out ?? file.filename);
    await writeFile(out, file.bytes);
    io.out(`wrote ${out} (${modelKey} ${file.version}, ${format}, ${file.bytes.length} bytes, sha256 ${file.sha256})`);
    return EXIT.ok;
  } catch (e) {
    io.err(`mlservice export: ${(e as Error).message}`);
    return EXIT.failure;
  } finally {
    await store.close();
  }
}
