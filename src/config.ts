/**
 * Every ML_* setting, parsed once with valibot from the environment and an optional `.env`
 * (or `ML_ENV_FILE`), read here as data: the compiled binary autoloads neither `.env*` nor
 * `bunfig.toml`. Nothing else in the service reads process.env. A bad value stops start-up
 * with one line: `ML_SERVICE_PORT="abc": expected an integer from 1 to 65535`.
 */
import * as v from "valibot";
import { S3_LOCATION } from "./storage/location";

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

/** `(512, 256, 128)` as seed .env files write it, or `512,256,128`, `[512, 256]`; empty: the seed's size table. */
const layers = v.pipe(
  v.string(),
  v.trim(),
  v.regex(/^$|^[([]?\s*\d+(\s*,\s*\d+)*\s*,?\s*[)\]]?$/, "layer sizes such as (512, 256, 128), or empty"),
  v.transform((s) => (s.match(/\d+/g) ?? []).map(Number)),
  v.check((l) => l.length <= 8 && l.every((n) => n >= 1 && n <= 8192), "at most 8 layer sizes from 1 to 8192"),
);

/** Log levels in any case; Python's WARNING and CRITICAL (seed .env files) mean warn and error. */
const logLevel = v.pipe(
  v.string(),
  v.trim(),
  v.toLowerCase(),
  v.transform((s) => ({ warning: "warn", critical: "error" })[s] ?? s),
  v.picklist(["debug", "info", "warn", "error"], "one of debug, info, warn, error (any case)"),
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

/** Empty, a directory, or `s3://bucket[/prefix]` (storage/location.ts says what each means). */
const storeLocation = v.pipe(
  v.string(),
  v.trim(),
  v.check(
    (s) => s === "" || (/^s3:\/\//.test(s) ? S3_LOCATION.test(s) : !/^[a-z][a-z0-9+.-]*:\/\//i.test(s)),
    "a directory or s3://bucket/prefix (bucket: 3–63 of a-z 0-9 . -; prefix: A-Z a-z 0-9 _ . - /)",
  ),
);

/** What a process does (ML_ROLES): `serve` answers predictions, `train` runs fits; both by default. */
export type Role = "serve" | "train";

const roles = v.pipe(
  v.string(),
  v.trim(),
  v.toLowerCase(),
  v.regex(/^(serve|train)(\s*,\s*(serve|train))?$/, "serve, train, or serve,train"),
  v.transform((s) => [...new Set(s.split(",").map((r) => r.trim() as Role))].sort()),
);

/** Empty, `sqlite:PATH` or a PostgreSQL URL with a host and a database name. */
const databaseUrl = v.pipe(
  v.string(),
  v.trim(),
  v.check((s) => {
    if (s === "" || /^sqlite:.+/.test(s)) return true;
    if (!/^postgres(ql)?:\/\//.test(s)) return false;
    try {
      const u = new URL(s);
      return u.hostname !== "" && u.pathname.length > 1;
    } catch {
      return false;
    }
  }, "sqlite:PATH or postgres://user:pass@host:port/db"),
);

/** Defaults as strings so that a default passes through the same parser as a set value. */
const settings = {
  ML_SERVICE_HOST: { schema: nonEmpty, default: "0.0.0.0", doc: "address to listen on" },
  ML_SERVICE_PORT: { schema: int(1, 65535), default: "8085", doc: "HTTP port" },
  ML_DB_PATH: { schema: nonEmpty, default: "./data/ml_store.db", doc: "SQLite database file" },
  ML_DATABASE_URL: {
    schema: databaseUrl,
    default: "",
    doc: "database: sqlite:PATH or postgres://user:pass@host:port/db; empty: the SQLite file ML_DB_PATH",
    secret: true,
  },
  ML_DATABASE_TIMEOUT_MS: {
    schema: int(100, 600_000),
    default: "10000",
    doc: "PostgreSQL: longest wait for a connect or a statement before a request answers 503",
  },
  ML_ARTIFACTS_ROOT: { schema: nonEmpty, default: "./ml_artifacts", doc: "model artifacts directory" },
  ML_DATASETS_ROOT: { schema: nonEmpty, default: "./data/datasets", doc: "uploaded CSV files" },
  ML_ARTIFACTS_URL: {
    schema: storeLocation,
    default: "",
    doc: "artifact store: a directory or s3://bucket/prefix; empty: ML_ARTIFACTS_ROOT",
  },
  ML_DATASETS_URL: {
    schema: storeLocation,
    default: "",
    doc: "dataset store: a directory or s3://bucket/prefix; empty: ML_DATASETS_ROOT",
  },
  S3_ENDPOINT: { schema: v.string(), default: "", doc: "S3-compatible endpoint URL (MinIO…); empty: AWS" },
  AWS_ENDPOINT_URL: { schema: v.string(), default: "", doc: "same as S3_ENDPOINT (which wins when both are set)" },
  AWS_REGION: { schema: v.string(), default: "us-east-1", doc: "S3 region" },
  AWS_ACCESS_KEY_ID: { schema: v.string(), default: "", doc: "S3 access key id", secret: true },
  AWS_SECRET_ACCESS_KEY: { schema: v.string(), default: "", doc: "S3 secret access key", secret: true },
  ML_LOG_LEVEL: {
    schema: logLevel,
    default: "info",
    doc: "least severe log level written",
  },
  ML_CORS_ORIGINS: { schema: v.string(), default: "", doc: "comma-separated allowed origins, * for any; empty: none" },
  ML_MAX_REQUEST_BYTES: { schema: int(1024, 2 ** 30), default: String(10 * 1024 * 1024), doc: "largest JSON body" },
  ML_MAX_HEADER_BYTES: { schema: int(1024, 65_536), default: "16384", doc: "largest request header block (431)" },
  ML_MAX_CSV_UPLOAD_BYTES: { schema: int(1024, 2 ** 31), default: "10000000", doc: "largest CSV upload" },
  ML_MAX_IMPORT_BYTES: {
    schema: int(1024, 2 ** 31),
    default: String(64 * 1024 * 1024),
    doc: "largest model artifact POST /models/import accepts (413)",
  },
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
  ML_HIDDEN_LAYER_SIZES: {
    schema: layers,
    default: "",
    doc: "default MLP layers, e.g. (512, 256, 128); empty: by row count",
  },
  ML_LARGE_DATASET_HIDDEN_LAYERS: {
    schema: layers,
    default: "",
    doc: "default MLP layers from ML_LARGE_DATASET_THRESHOLD rows on",
  },
  ML_LARGE_DATASET_THRESHOLD: {
    schema: int(1, 1e12),
    default: "500000",
    doc: "rows from which the large layers apply",
  },
  ML_ACTIVATION: {
    schema: v.pipe(v.string(), v.trim(), v.toLowerCase(), v.picklist(["relu", "tanh", "logistic", "identity"])),
    default: "relu",
    doc: "default hidden activation",
  },
  ML_BATCH_SIZE: {
    schema: v.union([v.literal("auto"), int(1, 65_536)], "auto or an integer from 1 to 65536"),
    default: "auto",
    doc: "default rows per training step",
  },
  ML_LEARNING_RATE_INIT: { schema: num(1e-8, 10), default: "0.001", doc: "Adam learning rate" },
  ML_ALPHA: { schema: num(0, 100), default: "0.0001", doc: "L2 penalty" },
  ML_EARLY_STOPPING: { schema: bool, default: "true", doc: "stop when validation score stalls" },
  ML_VALIDATION_FRACTION: { schema: num(0.01, 0.9), default: "0.1", doc: "validation split" },
  ML_N_ITER_NO_CHANGE: { schema: int(1, 10_000), default: "10", doc: "epochs without improvement before stopping" },
  ML_TOL: { schema: num(0, 1), default: "0.0001", doc: "improvement tolerance" },
  ML_MAX_WORKERS_LIMIT: { schema: int(1, 64), default: "2", doc: "jobs one process runs at once" },
  ML_JOB_LEASE_S: {
    schema: int(1, 3600),
    default: "30",
    doc: "a running job's lease, renewed every third; then another process takes it",
  },
  ML_JOB_MAX_ATTEMPTS: { schema: int(1, 100), default: "3", doc: "claims of one job before a lost lease fails it" },
  ML_ROLES: {
    schema: roles,
    default: "serve,train",
    doc: "serve, train or both: a serve-only process leaves fits to train processes",
  },
  ML_SYNC_PREDICT_MAX_ROWS: { schema: int(1, 1_000_000), default: "1000", doc: "rows predicted in the request" },
  ML_HTTP_PROCESSES: {
    schema: int(0, 256),
    default: "0",
    doc: "serving processes sharing the port; 0: one per core, capped by memory",
  },
  // one per core serves, but only these run jobs: each fit wants every core to itself
  ML_JOB_PROCESSES: {
    schema: int(0, 256),
    default: "1",
    doc: "of a box's serving processes, how many run jobs; 0: none (another box runs them)",
  },
  ML_PREDICTION_LOG: {
    schema: v.picklist(["async", "sync"], "async or sync"),
    default: "async",
    doc: "sync: a prediction answers once its log row is committed",
  },
  ML_PREDICTION_LOG_FLUSH_MS: {
    schema: int(1, 60_000),
    default: "200",
    doc: "async log: longest a prediction waits unwritten",
  },
  ML_PREDICTION_LOG_MAX_ROWS: {
    schema: int(1, 1_000_000),
    default: "1000",
    doc: "async log: most predictions waiting unwritten",
  },
  ML_PREDICT_TIMEOUT_MS: {
    schema: int(0, 3_600_000),
    default: "30000",
    doc: "a prediction past it answers 408; 0: none",
  },
  ML_TRAIN_TIMEOUT_S: { schema: int(0, 31_536_000), default: "0", doc: "a fit past it is stopped and failed; 0: none" },
  ML_MODEL_RETENTION: { schema: int(1, 1000), default: "10", doc: "versions kept per model" },
  ML_DATASET_TTL_DAYS: { schema: int(0, 36500), default: "30", doc: "days an unused dataset is kept; 0: forever" },
  // the prediction log grows ~490 B a prediction of 64 features (bench:log-write): swept hourly (src/monitoring/retention.ts)
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

  ML_DRIFT_PSI_THRESHOLD: { schema: num(0, 100), default: "0.1", doc: "PSI from which a real change matters" },
  ML_DRIFT_JS_THRESHOLD: { schema: num(0, 1), default: "0.2", doc: "JS (base 2) from which a real change matters" },
  ML_DRIFT_KS_ALPHA: {
    schema: num(0, 1),
    default: "0.01",
    doc: "level of the KS / χ² test per feature, Holm-corrected",
  },
  // a floor only: sampling noise is handled by the tests and the effect sizes' noise floors
  ML_DRIFT_MIN_ROWS: {
    schema: int(1, 1e9),
    default: "30",
    doc: "fewest values to decide a feature on (a floor)",
  },
  ML_DRIFT_BINS: { schema: int(2, 1000), default: "10", doc: "reference quantile bins" },
  ML_DAILY_DRIFT_CHECK_TIME: { schema: clock, default: "23:00", doc: "daily drift check, HH:MM" },
  ML_DRIFT_TIMEZONE: { schema: timeZone, default: "UTC", doc: "time zone of the daily check" },
  ML_CLIENT_DATA_CONFIDENCE_THRESHOLD: { schema: num(0, 1), default: "0.8", doc: "confidence to reuse a prediction" },
  ML_RETRAINING_ACCURACY_DROP_THRESHOLD: { schema: num(-1, 0), default: "-0.05", doc: "worst accepted score change" },
  ML_AUTO_RETRAIN: { schema: bool, default: "true", doc: "retrain on drift" },
  ML_DEMO: { schema: bool, default: "false", doc: "demo mode: demo models at first start, POST /demo/reset" },

  ML_ALERT_WEBHOOK_URLS: {
    schema: v.string(),
    default: "",
    doc: "alert webhooks, comma-separated; `slack:` marks Slack",
  },
  ML_ALERT_WEBHOOK_SECRET: {
    schema: v.string(),
    default: "",
    doc: "signs ML_ALERT_WEBHOOK_URLS deliveries; empty: unsigned",
    secret: true,
  },
  ML_ALERT_WEBHOOK_TIMEOUT_MS: { schema: int(100, 600_000), default: "5000", doc: "wait for one webhook answer" },
  ML_ALERT_WEBHOOK_MAX_ATTEMPTS: { schema: int(1, 20), default: "5", doc: "tries per alert and webhook" },
  ML_ALERT_WEBHOOK_BACKOFF_MS: {
    schema: int(0, 3_600_000),
    default: "2000",
    doc: "wait before the first retry, doubled each time",
  },
  ML_ALERT_ERROR_RATE_THRESHOLD: {
    schema: num(0, 1),
    default: "0.05",
    doc: "failed share of predict requests that alerts; 1: off",
  },
  ML_ALERT_ERROR_RATE_WINDOW_MINUTES: { schema: int(1, 10_080), default: "15", doc: "window of that share" },
  ML_ALERT_ERROR_RATE_MIN_REQUESTS: {
    schema: int(1, 1_000_000_000),
    default: "20",
    doc: "fewest prediction requests in the window to judge",
  },
  ML_ALERT_QUEUE_WAIT_SECONDS: {
    schema: int(0, 31_536_000),
    default: "900",
    doc: "a job queued longer raises queue_backup; 0: off",
  },

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

/** A seed .env's name read as one of ours when ours is not set (001 splits the database in three; here it is one). */
const SEED_ALIASES: Partial<Record<SettingName, string>> = { ML_DB_PATH: "ML_DB_MODELS_PATH" };

/** The seed .env files' placeholder values: read as unset (off), never as a credential anyone can look up. */
const PLACEHOLDERS: Partial<Record<SettingName, string>> = { ML_ADMIN_API_TOKEN: "your_secret_token_min_32_chars" };

/** Settings of the seed .env files this service does not take, and what to use instead. */
const SEED_ONLY: Record<string, string> = {
  ML_DB_MODELS_PATH: "read as ML_DB_PATH when that is unset: one database holds models, users and logs",
  ML_DB_USERS_PATH: "not used: users live in the one database, ML_DB_PATH",
  ML_DB_LOGS_PATH: "not used: logs live in the one database, ML_DB_PATH",
  ML_DB_TIMEOUT: "not used: SQLite waits for locks by itself (WAL mode)",
  ML_MODELS_PATH: "not used: artifacts live under ML_ARTIFACTS_ROOT",
  ML_FEATURES_PATH: "not used: a model's features are stored in its artifact under ML_ARTIFACTS_ROOT",
  ML_BASELINES_PATH: "not used: a model's drift baseline is stored in its artifact under ML_ARTIFACTS_ROOT",
  ML_MIN_WORKERS: "not used: ML_MAX_WORKERS_LIMIT sets how many jobs run at once",
  ML_WORKER_CPU_PER_TASK: "not used: ML_CPU_THREADS sets the CPU kernel threads",
};

/** The edit distance of two names, for "did you mean" (small strings only). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        (prev[j] as number) + 1,
        (cur[j - 1] as number) + 1,
        (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

/**
 * What start-up should warn about in one line: seed settings not taken here (with what to use
 * instead), ML_SOLVER other than adam, and unknown ML_* names (typos, with the nearest known one).
 */
export function configWarnings(env: Record<string, string | undefined>, dotenv = ""): string[] {
  const given = { ...parseDotenv(dotenv), ...env };
  const out: string[] = [];
  for (const [name, value] of Object.entries(given)) {
    if (value !== undefined && value === PLACEHOLDERS[name as SettingName])
      out.push(`${name}: the seed's placeholder, read as unset; set a real value to turn it on`);
    if (!name.startsWith("ML_") || value === undefined || name in settings) continue;
    const instead = SEED_ONLY[name];
    if (instead) out.push(`${name}: ${instead}`);
    else if (name === "ML_SOLVER") {
      if (value.trim().toLowerCase() !== "adam")
        out.push(`ML_SOLVER=${JSON.stringify(value)}: only adam is implemented`);
    } else {
      const near = Object.keys(settings)
        .map((k) => [k, distance(name, k)] as const)
        .sort((a, b) => a[1] - b[1])[0];
      out.push(`${name}: unknown setting${near && near[1] <= 3 ? ` (did you mean ${near[0]}?)` : ""}`);
    }
  }
  return out.sort();
}

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
    const alias = SEED_ALIASES[name as SettingName];
    const given = env[name] ?? file[name] ?? (alias ? (env[alias] ?? file[alias]) : undefined);
    const raw = given === undefined || given === PLACEHOLDERS[name as SettingName] ? s.default : given;
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
