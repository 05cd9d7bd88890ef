// Test preload: build what the tests import but git does not hold (the wasm SIMD and native kernels).
import { buildKernels } from "./build-kernels";
import { buildNative } from "./build-native";

await Promise.all([buildKernels(), buildNative()]);
