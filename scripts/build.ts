/**
 * `bun run build`: compiles the wasm SIMD kernels and the native kernels, then one executable,
 * dist/mlservice, with migrations, views, static files, kernels, the native library and the Dawn
 * addon embedded. Without gcc the binary is still built; it then runs the wasm kernels and says why.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { BUN_MAX_HEADER_BYTES } from "../src/http/middleware/header-limit";
import { buildKernels } from "./build-kernels";
import { buildNative } from "./build-native";

/** Extra entry points the binary needs beside src/main.ts (worker scripts). */
export const EXTRA_ENTRYPOINTS: string[] = ["src/jobs/train-worker.ts", "src/db/sqlite/prediction-log-worker.ts"];

export async function buildBinary(outfile = join(import.meta.dir, "..", "dist", "mlservice")): Promise<string> {
  await buildKernels();
  const native = await buildNative();
  if (!native.startsWith("ok")) console.warn(`native kernels not built, the binary will run wasm: ${native.trim()}`);
  mkdirSync(join(outfile, ".."), { recursive: true });
  const root = join(import.meta.dir, "..");
  const proc = Bun.spawn(
    [
      process.execPath,
      "build",
      "--compile",
      // the binary runs only its own code: no bunfig.toml preload, no .env*, tsconfig or
      // package.json from the directory it starts in (src/service.ts reads the one .env as data)
      "--no-compile-autoload-bunfig",
      "--no-compile-autoload-dotenv",
      "--no-compile-autoload-tsconfig",
      "--no-compile-autoload-package-json",
      "--minify-syntax",
      "--minify-whitespace",
      "--sourcemap=inline",
      // Bun answers oversized headers itself, with an empty 431; let ours (headerLimit) answer them
      `--compile-exec-argv=--max-http-header-size=${BUN_MAX_HEADER_BYTES}`,
      "src/main.ts",
      ...EXTRA_ENTRYPOINTS,
      "--outfile",
      outfile,
    ],
    { cwd: root, stdout: "inherit", stderr: "inherit" },
  );
  if ((await proc.exited) !== 0) throw new Error("bun build --compile failed");
  return outfile;
}

if (import.meta.main) {
  const out = await buildBinary();
  console.log(`built ${out} (${((await Bun.file(out).size) / 1e6).toFixed(1)} MB)`);
}
