/**
 * Compiles the WebAssembly SIMD kernels in kernels/cpu into build/ (never committed).
 * Run by `bun run build`, by `npm start` and by the test preload.
 */
export async function buildKernels(): Promise<void> {
  // filled in by the compute engine (kernels/cpu)
}

if (import.meta.main) await buildKernels();
