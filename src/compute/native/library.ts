/**
 * Loads the native kernel library (kernels/native/*.c, built by scripts/build-native.ts into
 * build/native/libmlnative.so) through bun:ffi, once per process.
 *
 * The build writes build/native/status.txt beside it: "ok <hash>" or the reason it could not build
 * (no gcc, not x86-64 Linux, a compile error). Both files are literal dynamic imports, so `bun build
 * --compile` embeds them; an embedded library lives in Bun's virtual file system, which dlopen cannot
 * read, so it is first copied to a temporary file. Any failure is an Error whose message says why,
 * for the caller to fall back to the wasm backend with that reason.
 */
import { dlopen, FFIType } from "bun:ffi";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The instruction sets the library carries, in the order of its ISA codes (kernels/native/api.c). */
export const NATIVE_ISAS = ["avx512", "avx2", "baseline"] as const;
export type NativeIsa = (typeof NATIVE_ISAS)[number];

const symbols = {
  ml_isa_supported: { args: [FFIType.i32], returns: FFIType.i32 },
  ml_create: { args: [FFIType.i32, FFIType.i32], returns: FFIType.ptr },
  ml_destroy: { args: [FFIType.ptr], returns: FFIType.void },
  ml_alloc: { args: [FFIType.f64], returns: FFIType.ptr },
  ml_free: { args: [FFIType.ptr], returns: FFIType.void },
  ml_call: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  ml_run: {
    args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.i32, FFIType.ptr, FFIType.ptr],
    returns: FFIType.void,
  },
  ml_forward_small: { args: [FFIType.ptr, FFIType.ptr, FFIType.i32, FFIType.ptr], returns: FFIType.void },
} as const;

/** The functions as called here: Bun passes and returns pointers as plain numbers (addresses under 2^53). */
export interface NativeLibrary {
  ml_isa_supported(isa: number): number;
  ml_create(threads: number, isa: number): number;
  ml_destroy(ctx: number): void;
  ml_alloc(bytes: number): number;
  ml_free(ptr: number): void;
  ml_call(ctx: number, record: number): number;
  ml_run(ctx: number, records: number, starts: number, programs: number, failed: number, errors: number): void;
  ml_forward_small(net: number, x: number, rows: number, out: number): void;
}

let loaded: Promise<NativeLibrary> | undefined;

/** The library's functions; rejects with the reason when it is missing, failed to build or fails to load. */
export function loadNativeLibrary(): Promise<NativeLibrary> {
  loaded ??= load().catch((err) => {
    loaded = undefined;
    throw err;
  });
  return loaded;
}

/** The best ISA this CPU runs, given a loaded library. */
export function bestIsa(lib: NativeLibrary): NativeIsa {
  return NATIVE_ISAS.find((_, code) => lib.ml_isa_supported(code) === 1) ?? "baseline";
}

async function load(): Promise<NativeLibrary> {
  let status: string;
  try {
    status = (await import("../../../build/native/status.txt")).default;
  } catch {
    throw new Error("native kernels not built (build/native/status.txt is missing; run `bun scripts/build-native.ts`)");
  }
  if (!status.startsWith("ok")) throw new Error(`native kernels not built: ${status.replace(/^error: /, "").trim()}`);
  const source: string = (await import("../../../build/native/libmlnative.so")).default;
  const path = source.includes("$bunfs") ? extract(source, await Bun.file(source).bytes()) : source;
  try {
    return dlopen(path, symbols).symbols as unknown as NativeLibrary;
  } catch (err) {
    throw new Error(`native kernels failed to load: ${(err as Error).message}`);
  } finally {
    // the mapping outlives the file: an extracted copy can go at once
    if (path !== source) rmSync(join(path, ".."), { recursive: true, force: true });
  }
}

/** Writes an embedded library into a private temp folder, for dlopen. */
function extract(embedded: string, bytes: Uint8Array): string {
  const file = join(mkdtempSync(join(tmpdir(), "mlservice-native-")), embedded.split("/").pop() ?? "libmlnative.so");
  writeFileSync(file, bytes, { mode: 0o700 });
  return file;
}
