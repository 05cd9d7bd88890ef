/**
 * Compiles the native CPU kernels in kernels/native with gcc into build/native/libmlnative.so (never
 * committed). Run by `bun run build`, by `npm start` and by the test preload, beside build-kernels.ts.
 *
 * The kernel files are compiled once per instruction set (AVX-512, AVX2+FMA, the x86-64 baseline), each
 * copy under its own symbol names, and linked with the thread pool and the entry points into one shared
 * library that picks a copy at run time. It never throws: without gcc, or when a compile fails, it
 * writes the reason into build/native/status.txt and the service falls back to the wasm backend
 * (src/compute/native/library.ts reads the status first). The build is skipped when the sources and
 * flags are unchanged since the last one.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const sourceDir = join(root, "kernels", "native");
const outDir = join(root, "build", "native");
export const NATIVE_LIBRARY = join(outDir, "libmlnative.so");
export const NATIVE_STATUS = join(outDir, "status.txt");

/** Files compiled once per ISA (each with its own symbols); the others are compiled once. */
const PER_ISA = [
  "gemm.c",
  "epilogue.c",
  "activation.c",
  "softmax.c",
  "reduce.c",
  "adam.c",
  "memory.c",
  "table.c",
  "forward_small.c",
];
const SHARED = ["pool.c", "api.c"];
export const ISA_FLAGS: Record<string, string[]> = {
  avx512: ["-mavx512f", "-mavx512vl", "-mavx512bw", "-mavx512dq", "-mavx2", "-mfma"],
  avx2: ["-mavx2", "-mfma"],
  baseline: [],
};
const CFLAGS = ["-std=gnu11", "-O3", "-fPIC", "-fno-math-errno", "-Wall", "-Wextra", "-Werror"];
/**
 * Only the GEMM contracts a·b + c into FMAs (its whole point); the elementwise kernels round each f32
 * operation as written, as the wasm kernels and the reference do, so the backends agree to the bit there.
 */
const contract = (file: string) => `-ffp-contract=${file === "gemm.c" ? "fast" : "off"}`;

async function run(cmd: string[]): Promise<void> {
  const proc = Bun.spawn(cmd, { cwd: sourceDir, stdout: "pipe", stderr: "pipe" });
  const [code, err] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0) throw new Error(`${cmd.join(" ")}\n${err.trim()}`);
}

/** The reason the library cannot be built on this machine, or undefined. */
function unsupported(): string | undefined {
  if (process.platform !== "linux" || process.arch !== "x64") {
    return `the native kernels are x86-64 Linux only (this is ${process.platform}-${process.arch})`;
  }
  if (!Bun.which("gcc")) return "gcc not found (apt-get install gcc libc6-dev)";
  return undefined;
}

async function sourcesHash(): Promise<string> {
  const hash = createHash("sha256").update(JSON.stringify({ ISA_FLAGS, CFLAGS, contract: contract.toString() }));
  for (const file of (await readdir(sourceDir)).sort()) hash.update(file).update(await readFile(join(sourceDir, file)));
  return hash.digest("hex");
}

async function compile(): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), "mlnative-"));
  try {
    const jobs: Promise<void>[] = [];
    const objects: string[] = [];
    for (const [isa, flags] of Object.entries(ISA_FLAGS)) {
      for (const file of PER_ISA) {
        const out = join(work, `${file.replace(/\.c$/, "")}.${isa}.o`);
        objects.push(out);
        jobs.push(run(["gcc", ...CFLAGS, contract(file), `-DML_ISA=${isa}`, ...flags, "-c", file, "-o", out]));
      }
    }
    for (const file of SHARED) {
      const out = join(work, file.replace(/\.c$/, ".o"));
      objects.push(out);
      jobs.push(run(["gcc", ...CFLAGS, contract(file), "-c", file, "-o", out]));
    }
    await Promise.all(jobs);
    const lib = join(work, "libmlnative.so");
    await run(["gcc", "-shared", "-o", lib, ...objects, "-lm", "-lpthread"]);
    return lib;
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw err;
  }
}

/** Builds the library if needed; returns "ok …" or the reason it could not be built (also in status.txt). */
export async function buildNative(): Promise<string> {
  const hash = await sourcesHash();
  const previous = await readFile(NATIVE_STATUS, "utf8").catch(() => "");
  if (previous.includes(hash) && (await Bun.file(NATIVE_LIBRARY).exists())) return previous;
  await mkdir(outDir, { recursive: true });
  let status: string;
  const why = unsupported();
  if (why) status = `error: ${why}\n`;
  else {
    try {
      const lib = await compile();
      // temp file + rename: parallel test runs may build at the same time and must never load half a file
      const temp = `${NATIVE_LIBRARY}.${process.pid}.tmp`;
      await writeFile(temp, await readFile(lib));
      await rm(join(lib, ".."), { recursive: true, force: true });
      await rename(temp, NATIVE_LIBRARY);
      status = `ok ${hash}\n`;
    } catch (err) {
      status = `error: gcc failed: ${(err as Error).message}\n`;
    }
  }
  // an empty library when there is none, so that `bun build --compile` still finds the file it embeds
  if (!status.startsWith("ok") && !(await Bun.file(NATIVE_LIBRARY).exists())) await writeFile(NATIVE_LIBRARY, "");
  const temp = `${NATIVE_STATUS}.${process.pid}.tmp`;
  await writeFile(temp, status);
  await rename(temp, NATIVE_STATUS);
  return status;
}

if (import.meta.main) {
  const status = await buildNative();
  console.log(
    status.startsWith("ok")
      ? `built ${NATIVE_LIBRARY}`
      : `native kernels not built: ${status.replace(/^error: /, "").trim()}`,
  );
}
