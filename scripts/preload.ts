// Test preload: build what the tests import but git does not hold (the wasm SIMD kernels).
import { buildKernels } from "./build-kernels";

await buildKernels();
