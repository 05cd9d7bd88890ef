/// <reference types="@webgpu/types" />
/**
 * Loads Dawn's node addon so that it also works inside a `bun build --compile` binary.
 *
 * The `webgpu` package's index.js computes the addon path at run time
 * (`join(__dirname, "dist", platform-arch, "dawn.node")`), which the bundler cannot follow.
 * A `require()` of a literal `.node` path is something Bun embeds in the compiled binary
 * (and extracts to a temp file at start), so linux-x64 — the platform we ship — is
 * required statically here. Other platforms fall back to the package entry, which works
 * from node_modules (development) but not from a compiled binary. Each literal require is
 * embedded whether or not it runs, so we deliberately name only one platform (21 MB).
 */
import { createRequire } from "node:module";
import { withNativeOutputCaptured } from "../native-output";

interface DawnAddon {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

let addon: DawnAddon | undefined;

function loadAddon(): DawnAddon {
  if (addon) return addon;
  if (process.platform === "linux" && process.arch === "x64") {
    addon = require("webgpu/dist/linux-x64/dawn.node") as DawnAddon;
  } else {
    const req = createRequire(import.meta.url);
    const dir = process.platform === "darwin" ? "darwin-universal" : `${process.platform}-${process.arch}`;
    addon = req(req.resolve(`webgpu/dist/${dir}/dawn.node`)) as DawnAddon;
  }
  // The WebGPU classes and enums (GPUBufferUsage, GPUShaderStage, GPUMapMode …) live on globals.
  Object.assign(globalThis, addon.globals);
  return addon;
}

/**
 * A fresh Dawn instance, whose instance, adapter and device creation print nothing to stdout or
 * stderr (src/compute/native-output.ts catches it). `flags` are Dawn's node options, e.g. `adapter=<name>` (substring of an
 * adapter name) or `backend=vulkan`. Drop the returned object when done: while it is referenced
 * Dawn keeps a background thread that holds the process open.
 */
export function createGpu(flags: string[] = []): GPU {
  const gpu = withNativeOutputCaptured(() => loadAddon().create(flags));
  const requestAdapter = gpu.requestAdapter.bind(gpu);
  gpu.requestAdapter = async (options) => {
    const adapter = await withNativeOutputCaptured(() => requestAdapter(options));
    if (adapter) {
      const requestDevice = adapter.requestDevice.bind(adapter);
      adapter.requestDevice = (descriptor) => withNativeOutputCaptured(() => requestDevice(descriptor));
    }
    return adapter;
  };
  return gpu;
}
