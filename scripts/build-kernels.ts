/**
 * Compiles the WebAssembly SIMD kernels in kernels/cpu into build/ (never committed).
 * Run by `bun run build`, by `npm start` and by the test preload.
 *
 * Each kernels/cpu/*.wat file holds module fields (funcs); they are joined, in name order, into
 * one module that imports the shared memory, so kernels can call the helpers of other files.
 * The binary is written as base64 text (build/cpu-kernels.txt) because a text import is
 * embedded by `bun build --compile` and typed by bun-types without a declaration of ours.
 */
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const sourceDir = join(root, "kernels", "cpu");
const outDir = join(root, "build");
export const CPU_KERNELS_OUT = join(outDir, "cpu-kernels.txt");

/** wasm features the kernels use: f32x4 SIMD, relaxed_madd, shared memory and atomics, memory.copy/fill. */
const FEATURES = { simd: true, relaxed_simd: true, threads: true, bulk_memory: true };

/**
 * The module text: the memory import (1 page up to 4 GiB, shared with the worker threads), then every
 * kernel file; `starts` gives the line of the joined text where each file begins, for error messages.
 */
export async function cpuKernelsText(): Promise<{ text: string; starts: { file: string; line: number }[] }> {
  const files = (await readdir(sourceDir)).filter((f) => f.endsWith(".wat")).sort();
  let text = `(module\n(import "env" "memory" (memory 1 65536 shared))\n`;
  const starts: { file: string; line: number }[] = [];
  for (const file of files) {
    starts.push({ file, line: text.split("\n").length });
    text += `${await readFile(join(sourceDir, file), "utf8")}\n`;
  }
  return { text: `${text})\n`, starts };
}

export async function compileCpuKernels(): Promise<Uint8Array> {
  const { default: loadWabt } = await import("wabt");
  const wabt = await loadWabt();
  const { text, starts } = await cpuKernelsText();
  let module: ReturnType<typeof wabt.parseWat>;
  try {
    module = wabt.parseWat("kernels/cpu", text, FEATURES);
  } catch (error) {
    // point at kernels/cpu/<file>:<line> rather than at a line of the joined text
    const message = (error instanceof Error ? error.message : String(error)).replace(
      /kernels\/cpu:(\d+):/g,
      (_, at) => {
        const line = Number(at);
        const start = starts.findLast((s) => s.line <= line);
        return start ? `kernels/cpu/${start.file}:${line - start.line + 1}:` : `kernels/cpu:${line}:`;
      },
    );
    throw new Error(message);
  }
  try {
    // wabt's typings omit validate's features argument; without it shared memory is rejected
    (module as unknown as { validate(features: typeof FEATURES): void }).validate(FEATURES);
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

export async function buildKernels(): Promise<void> {
  const base64 = Buffer.from(await compileCpuKernels()).toString("base64");
  const previous = await readFile(CPU_KERNELS_OUT, "utf8").catch(() => "");
  if (previous === base64) return;
  await mkdir(outDir, { recursive: true });
  // temp file + rename: parallel test runs may build at the same time and must never read half a file
  const temp = `${CPU_KERNELS_OUT}.${process.pid}.tmp`;
  await writeFile(temp, base64);
  await rename(temp, CPU_KERNELS_OUT);
}

if (import.meta.main) await buildKernels();
