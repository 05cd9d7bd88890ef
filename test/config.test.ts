import { describe, expect, test } from "bun:test";
import { ConfigError, loadConfig, parseDotenv, redacted, SETTINGS_DOC } from "../src/config";

describe("config", () => {
  test("defaults run with an empty environment", () => {
    const c = loadConfig({});
    expect(c.ML_SERVICE_PORT).toBe(8085);
    expect(c.ML_DB_PATH).toBe("./data/ml_store.db");
    expect(c.ML_ARTIFACTS_ROOT).toBe("./ml_artifacts");
    expect(c.ML_DRIFT_PSI_THRESHOLD).toBe(0.1);
    expect(c.ML_DRIFT_JS_THRESHOLD).toBe(0.2);
    expect(c.ML_DAILY_DRIFT_CHECK_TIME).toBe("23:00");
    expect(c.ML_CLIENT_DATA_CONFIDENCE_THRESHOLD).toBe(0.8);
    expect(c.ML_RETRAINING_ACCURACY_DROP_THRESHOLD).toBe(-0.05);
    expect(c.ML_COMPUTE).toBe("auto");
    expect(c.ML_EARLY_STOPPING).toBe(true);
  });

  test("parses numbers, booleans and choices from strings", () => {
    const c = loadConfig({
      ML_SERVICE_PORT: " 9000 ",
      ML_ALPHA: "1e-3",
      ML_EARLY_STOPPING: "off",
      ML_COMPUTE: "cpu",
      ML_DAILY_DRIFT_CHECK_TIME: "06:30",
      ML_DRIFT_TIMEZONE: "Europe/Paris",
    });
    expect(c.ML_SERVICE_PORT).toBe(9000);
    expect(c.ML_ALPHA).toBe(0.001);
    expect(c.ML_EARLY_STOPPING).toBe(false);
    expect(c.ML_COMPUTE).toBe("cpu");
    expect(c.ML_DAILY_DRIFT_CHECK_TIME).toBe("06:30");
  });

  test.each([
    ["ML_SERVICE_PORT", "abc", /ML_SERVICE_PORT="abc": expected an integer from 1 to 65535/],
    ["ML_SERVICE_PORT", "70000", /expected an integer from 1 to 65535/],
    ["ML_SERVICE_PORT", "80.5", /expected an integer/],
    ["ML_COMPUTE", "gpu", /ML_COMPUTE="gpu": expected one of auto, webgpu, cpu, cpu-native, cpu-wasm/],
    ["ML_CPU_ISA", "avx9", /ML_CPU_ISA="avx9": expected one of auto, avx512, avx2, baseline/],
    ["ML_EARLY_STOPPING", "maybe", /expected true or false/],
    ["ML_DAILY_DRIFT_CHECK_TIME", "25:00", /expected a time of day as HH:MM/],
    ["ML_DRIFT_TIMEZONE", "Mars/Olympus", /expected an IANA time zone/],
    ["ML_DRIFT_JS_THRESHOLD", "1.5", /expected a number from 0 to 1/],
    ["ML_RETRAINING_ACCURACY_DROP_THRESHOLD", "0.1", /expected a number from -1 to 0/],
    ["ML_DB_PATH", "  ", /expected a non-empty value/],
  ])("rejects %s=%p with one line naming variable, value and expectation", (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  test("a bad secret is named but its value is not shown", () => {
    let error: Error | undefined;
    try {
      loadConfig({ ML_ADMIN_API_TOKEN: "short-secret-value" });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toContain("ML_ADMIN_API_TOKEN=(hidden)");
    expect(error?.message).toContain("at least 32 characters");
    expect(error?.message).not.toContain("short-secret-value");
  });

  test(".env supplies values and the environment wins over it", () => {
    const dotenv = `# comment\nML_SERVICE_PORT=9100\nexport ML_LOG_LEVEL="debug"\nML_ALPHA=0.5 # inline comment\n`;
    const c = loadConfig({ ML_SERVICE_PORT: "9200" }, dotenv);
    expect(c.ML_SERVICE_PORT).toBe(9200);
    expect(c.ML_LOG_LEVEL).toBe("debug");
    expect(c.ML_ALPHA).toBe(0.5);
  });

  test("parseDotenv keeps quoted text whole", () => {
    expect(parseDotenv(`A='x # y'\nB="two words"\nbroken line\n`)).toEqual({ A: "x # y", B: "two words" });
  });

  test("redacted hides secrets and keeps everything else", () => {
    const token = "t".repeat(40);
    const r = redacted(loadConfig({ ML_ADMIN_API_TOKEN: token, ML_ADMIN_PASSWORD: "hunter2hunter2" }));
    expect(JSON.stringify(r)).not.toContain(token);
    expect(JSON.stringify(r)).not.toContain("hunter2");
    expect(r.ML_ADMIN_API_TOKEN).toBe("(set)");
    expect(r.ML_SERVICE_PORT).toBe(8085);
  });

  test("every setting is documented", () => {
    for (const s of SETTINGS_DOC) expect(s.doc.length).toBeGreaterThan(5);
    expect(SETTINGS_DOC.map((s) => s.name)).toContain("ML_MAX_WORKERS_LIMIT");
  });
});
