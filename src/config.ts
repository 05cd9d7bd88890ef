/**
 * Every ML_* setting, parsed once with valibot from the environment and an optional `.env`
 * (or `ML_ENV_FILE`), read here as data: the compiled binary autoloads neither `.env*` nor
 * `bunfig.toml`. Nothing else in the service reads process.env. A bad value stops start-up
 * with one line: `ML_SERVICE_PORT="abc": expected an integer from 1 to 65535`.
 */
import * as v from "valibot";

const int = (min: number, max: number) =>
  v.pipe(
    v.string(),
    v.trim(),
    v.regex(/^-?\d+$/, `an integer from ${min} to ${max}`),
    v.transform(Number),
    v.minValue(min, `an integer from ${min} to ${max}`),
    v.maxValue(max, `an integer from ${min} to ${max}`),
  );

const num = (min: number, max: number) =>
  v.pipe(
    v.string(),
    v.trim(),
    v.regex(/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/, `a number from ${min} to ${max}`),
    v.transform(Number),
    v.minValue(min, `a number from ${min} to ${max}`),
    v.maxValue(max, `a number from ${min} to ${max}`),
  );

const bool = v.pipe(
  v.string(),
  v.trim(),
  v.toLowerCase(),
  v.picklist(["true", "false", "1", "0", "yes", "no", "on", "off"], "true or false"),
  v.transform((s) => ["true", "1", "yes", "on"].includes(s)),
);

const nonEmpty = v.pipe(v.string(), v.trim(), v.minLength(1, "a non-empty value"));

const clock = v.pipe(
  v.string(),
  v.trim(),
  v.regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a time of day as HH:MM (00:00 to 23:59)"),
);

const timeZone = v.pipe(
  v.string(),
  v.trim(),
  v.check((tz) => {
    try {
      new Intl.DateTimeFormat("en", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, "an IANA time zone such as UTC or Europe/Paris"),
);

/** Defaults as strings so that a default passes through the same parser as a set value. */
const settings = {
  ML_SERVICE_HOST: { schema: nonEmpty, default: "0.0.0.0", doc: "address to listen on" },
  ML_SERVICE_PORT: { schema: int(1, 65535), default: "8085", doc: "HTTP port" },
  ML_DB_PATH: { schema: nonEmpty, default: "./data/ml_store.db", doc: "SQLite database file" },
  ML_ARTIFACTS_ROOT: { schema: nonEmpty, default: "./ml_artifacts", doc: "model artifacts directory" },
  ML_DATASETS_ROOT: { schema: nonEmpty, default: "./data/datasets", doc: "uploaded CSV files" },
  ML_LOG_LEVEL: {
    schema: v.picklist(["debug", "info", "warn", "error"], "one of debug, info, warn, error"),
    default: "info",
    doc: "least severe log level written",
  },
  ML_CORS_ORIGINS: { schema: v.string(), default: "", doc: "comma-separated allowed origins, * for any; empty: none" },
  ML_MAX_REQUEST_BYTES: { schema: int(1024, 2 ** 30), default: String(10 * 1024 * 1024), doc: "largest JSON body" },
  ML_MAX_HEADER_BYTES: { schema: int(1024, 65_536), default: "16384", doc: "largest request header block (431)" },
  ML_MAX_CSV_UPLOAD_BYTES: { schema: int(1024, 2 ** 31), default: "10000000", doc: "largest CSV upload" },
  ML_MAX_CSV_COLUMNS: { schema: int(2, 1_000_000), default: "10000", doc: "most columns a CSV upload may have" },
  ML_MAX_DECOMPRESSED_BYTES: {
    schema: int(1024, 2 ** 40),
    default: "1000000000",
    doc: "a gzip file is refused once it decompresses past this",
  },
  ML_SHUTDOWN_TIMEOUT_MS: { schema: int(0, 600_000), default: "10000", doc: "grace for in-flight requests and jobs" },
  ML_ENV_FILE: { schema: v.string(), default: "", doc: "settings file (KEY=VALUE, read as data); empty: ./.env" },
  ML_USE_HTTPS: { schema: bool, default: "false", doc: "serve HTTPS (Secure cookies, HSTS)" },
  ML_SSL_CERT_FILE: { schema: nonEmpty, default: "./ssl/cert.pem", doc: "PEM certificate (chain) for HTTPS" },
  ML_SSL_KEY_FILE: { schema: nonEmpty, default: "./ssl/key.pem", doc: "PEM private key for HTTPS" },

  ML_COMPUTE: {
    schema: v.picklist(
      ["auto", "webgpu", "cpu", "cpu-native", "cpu-wasm"],
      "one of auto, webgpu, cpu, cpu-native, cpu-wasm",
    ),
    default: "auto",
    doc: "auto: a hardware GPU for large work; cpu: native, or wasm",
  },
  ML_WEBGPU_ADAPTER: { schema: v.string(), default: "", doc: "adapter name to require (e.g. llvmpipe)" },
  ML_CPU_THREADS: { schema: int(0, 256), default: "0", doc: "CPU kernel threads; 0: one per core" },
  ML_CPU_ISA: {
    schema: v.picklist(["auto", "avx512", "avx2", "baseline"], "one of auto, avx512, avx2, baseline"),
    default: "auto",
    doc: "native kernels to run; auto: the best this CPU has",
  },

  ML_MAX_ITER: { schema: int(1, 100_000), default: "200", doc: "training epochs at most" },
  ML_LEARNING_RATE_INIT: { schema: num(1e-8, 10), default: "0.001", doc: "Adam learning rate" },
  ML_ALPHA: { schema: num(0, 100), default: "0.0001", doc: "L2 penalty" },
  ML_EARLY_STOPPING: { schema: bool, default: "true", doc: "stop when validation score stalls" },
  ML_VALIDATION_FRACTION: { schema: num(0.01, 0.9), default: "0.1", doc: "validation split" },
  ML_N_ITER_NO_CHANGE: { schema: int(1, 10_000), default: "10", doc: "epochs without improvement before stopping" },
  ML_TOL: { schema: num(0, 1), default: "0.0001", doc: "improvement tolerance" },
  ML_MAX_WORKERS_LIMIT: { schema: int(1, 64), default: "2", doc: "jobs run at once" },
  ML_SYNC_PREDICT_MAX_ROWS: { schema: int(1, 1_000_000), default: "1000", doc: "rows predicted in the request" },
  ML_MODEL_RETENTION: { schema: int(1, 1000), default: "10", doc: "versions kept per model" },
  ML_DATASET_TTL_DAYS: { schema: int(0, 36500), default: "30", doc: "days an unused dataset is kept; 0: forever" },
  // the log grows ~640 B a prediction (row + audit event): swept hourly in batches (src/monitoring/retention.ts)
  ML_PREDICTION_RETENTION_DAYS: {
    schema: int(0, 36500),
    default: "90",
    doc: "days predictions are kept (labelled stay); 0: forever",
  },
  ML_AUDIT_RETENTION_DAYS: {
    schema: int(0, 36500),
    default: "90",
    doc: "days request audit events are kept; 0: forever",
  },
  ML_SECURITY_AUDIT_RETENTION_DAYS: {
    schema: int(0, 36500),
    default: "365",
    doc: "days security audit events are kept; 0: forever",
  },

  ML_DRIFT_PSI_THRESHOLD: { schema: num(0, 100), default: "0.1", doc: "PSI above which a feature drifts" },
  ML_DRIFT_JS_THRESHOLD: { schema: num(0, 1), default: "0.2", doc: "Jensen–Shannon (base 2) threshold" },
  ML_DRIFT_KS_ALPHA: { schema: num(0, 1), default: "0.01", doc: "KS p-value under which a feature drifts" },
  // PSI over 10 bins drifts past 0.1 by chance alone on a few hundred rows (sampling noise ≈ bins/n)
  ML_DRIFT_MIN_ROWS: { schema: int(1, 1e9), default: "500", doc: "fewest logged rows to decide on drift" },
  ML_DRIFT_BINS: { schema: int(2, 1000), default: "10", doc: "reference quantile bins" },
  ML_DAILY_DRIFT_CHECK_TIME: { schema: clock, default: "23:00", doc: "daily drift check, HH:MM" },
  ML_DRIFT_TIMEZONE: { schema: timeZone, default: "UTC", doc: "time zone of the daily check" },
  ML_CLIENT_DATA_CONFIDENCE_THRESHOLD: { schema: num(0, 1), default: "0.8", doc: "confidence to reuse a prediction" },
  ML_RETRAINING_ACCURACY_DROP_THRESHOLD: { schema: num(-1, 0), default: "-0.05", doc: "worst accepted score change" },
  ML_AUTO_RETRAIN: { schema: bool, default: "true", doc: "retrain on drift" },

  ML_ADMIN_USERNAME: { schema: nonEmpty, default: "admin", doc: "first system administrator" },
  ML_ADMIN_PASSWORD: {
    schema: v.string(),
    default: "",
    doc: "its password; empty: generated, printed once",
    secret: true,
  },
  ML_ADMIN_API_TOKEN: {
    schema: v.union(
      [v.literal(""), v.pipe(v.string(), v.minLength(32, "at least 32 characters"))],
      "at least 32 characters",
    ),
    default: "",
    doc: "X-Admin-Token for seed clients (≥ 32 chars); empty: off",
    secret: true,
  },
  ML_TOKEN_EXPIRY_DAYS: { schema: int(1, 3650), default: "30", doc: "API token lifetime" },
  ML_SESSION_EXPIRY_DAYS: { schema: int(1, 365), default: "7", doc: "sign-in session lifetime" },
  ML_ALLOW_REGISTRATION: { schema: bool, default: "true", doc: "POST /auth/register open" },
  ML_REGISTRATIONS_PER_IP_HOUR: {
    schema: int(0, 1_000_000),
    default: "10",
    doc: "sign-ups tried per IP per hour, then 429; 0: no limit",
  },
  ML_TRUST_PROXY: { schema: bool, default: "false", doc: "honour X-Forwarded-For" },
} as const;

type Settings = typeof settings;
export type Config = { readonly [K in keyof Settings]: v.InferOutput<Settings[K]["schema"]> };
export type SettingName = keyof Settings;

export const SETTINGS_DOC: { name: SettingName; default: string; doc: string }[] = Object.entries(settings).map(
  ([name, s]) => ({ name: name as SettingName, default: s.default, doc: s.doc }),
);

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** KEY=VALUE lines; `#` comments, optional `export `, single or double quotes. */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = (m[2] as string).trim();
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2] as string;
    else value = value.replace(/\s+#.*$/, "");
    out[m[1] as string] = value;
  }
  return out;
}

/**
 * Parses every setting; the environment wins over `.env` text. Throws ConfigError naming
 * the first bad variable, its value (hidden for secrets) and what was expected.
 */
export function loadConfig(env: Record<string, string | undefined>, dotenv = ""): Config {
  const file = parseDotenv(dotenv);
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(settings)) {
    const raw = env[name] ?? file[name] ?? s.default;
    const result = v.safeParse(s.schema as v.GenericSchema<string, unknown>, raw);
    if (!result.success) {
      const shown = "secret" in s && s.secret ? "(hidden)" : JSON.stringify(raw);
      throw new ConfigError(`${name}=${shown}: expected ${result.issues[0].message}`);
    }
    out[name] = result.output;
  }
  return Object.freeze(out) as Config;
}

/** The configuration with secrets replaced, for logs and the About page. */
export function redacted(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(settings)) {
    const value = config[name as SettingName];
    out[name] = "secret" in s && s.secret ? (value ? "(set)" : "(unset)") : value;
  }
  return out;
}
