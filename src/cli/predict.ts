/**
 * `mlservice predict`: score a data file offline with a model from the store (the one `serve`
 * uses: ML_DB_PATH, ML_ARTIFACTS_ROOT), in the file's row order, as CSV or NDJSON. The file is
 * read by the service's reader and encoded by the model's own feature spec, so the answers are
 * the server's. Nothing is logged: this is the operator's tool, not traffic.
 */
import type { Backend } from "../compute/backend";
import { pickBackend } from "../compute/pick";
import { tableRows } from "../datasets/reader";
import { ServiceError } from "../errors";
import { predictionsCsv, predictionsNdjson } from "../jobs/predict-results";
import { FeatureError } from "../ml/features";
import { type LoadedVersion, ModelCache, type Prediction, predictRows } from "../registry/serving";
import { artifactStore } from "../storage/open";
import { DataFileError, readDataFile, writeOutputFile } from "./data-file";
import { openForCommand } from "./errors";
import { EXIT, type Io, parseArgs } from "./io";

const CHUNK = 10_000;

export function usage(): string {
  return `Usage: mlservice predict --model KEY --input FILE [--version V] [--out FILE]

Score every row of a data file (CSV, CSV.gz, NDJSON or Parquet) with a stored model, offline,
and write prediction, confidence and one score per class, one line per input row, in order.

Options:
  --model KEY      the model (its active version unless --version)
  --version V      a ready version of it
  --input FILE     the rows to score; the model's feature columns must be there
  --out FILE       where to write (.ndjson: NDJSON, else CSV); default: standard output as CSV

Example:
  mlservice predict --model churn --input customers.parquet --out scores.csv`;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, flags, positional, unknown } = parseArgs(args, {
    values: ["model", "version", "input", "out"],
    flags: ["help"],
  });
  if (flags.has("help")) {
    io.out(usage());
    return EXIT.ok;
  }
  const problems = [...unknown, ...positional.map((p) => `unexpected argument ${p}`)];
  if (!values.model) problems.push("--model is required");
  if (!values.input) problems.push("--input is required");
  if (problems.length) {
    io.err(`mlservice predict: ${problems.join("; ")} (see mlservice predict --help)`);
    return EXIT.usage;
  }
  const start = await openForCommand(io);
  if (typeof start === "number") return start;
  const { config, store } = start;
  let opened: Promise<Backend> | undefined;
  const backend = () => {
    opened ??= pickBackend({ compute: "cpu" }).then((b) => b.backend);
    return opened;
  };
  try {
    const models = new ModelCache(store.db, artifactStore(config));
    const key = values.model as string;
    const loaded: LoadedVersion = values.version ? await models.load(key, values.version) : await models.active(key);
    const table = await readDataFile(io.cwd, values.input as string, config);
    const predictions: Prediction[] = [];
    for (let i = 0; i < table.rows; i += CHUNK) {
      const rows = tableRows(table, i + CHUNK, i);
      predictions.push(...(await predictRows(backend, loaded, rows)));
    }
    const ndjson = values.out?.toLowerCase().endsWith(".ndjson") ?? false;
    const text = ndjson ? predictionsNdjson(predictions) : predictionsCsv(predictions);
    if (values.out) {
      await writeOutputFile(io.cwd, values.out, text);
      io.err(`scored ${predictions.length} rows with ${key} version ${loaded.version} → ${values.out}`);
    } else io.write(text);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof DataFileError || e instanceof ServiceError || e instanceof FeatureError) {
      io.err(`predict: ${e.message}`);
      return EXIT.failure;
    }
    throw e;
  } finally {
    await store.close();
    if (opened) (await opened).dispose();
  }
}
