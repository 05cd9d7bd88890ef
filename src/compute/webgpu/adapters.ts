/**
 * Finding WebGPU adapters without opening a device: what /health and `pickBackend` ask about.
 *
 * Dawn offers no "enumerate" call, but asking for an adapter name that does not exist fails with
 * the full list ("Available adapters:\n * backend: 'vulkan', name: 'llvmpipe (…)'"), and
 * `adapter=<name>` then selects one by name. Each listed adapter is opened once to read its
 * vendor and whether it is a software (fallback) implementation.
 */
import { createGpu } from "./dawn";

export interface AdapterSummary {
  /** the name Dawn lists and accepts in `adapter=<name>` */
  name: string;
  /** Dawn backend: "vulkan", "metal", "d3d12", "opengl" … */
  backend: string;
  vendor: string;
  /** adapter description, e.g. "NVIDIA H100 80GB HBM3" or "llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)" */
  description: string;
  /** lavapipe/llvmpipe, SwiftShader, or anything Dawn reports as a fallback adapter */
  software: boolean;
}

const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|softpipe|software|warp/i;

/** True for CPU-emulated adapters, which are far slower than the wasm SIMD backend. */
export function isSoftwareAdapter(adapter: GPUAdapter): boolean {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  if (info.isFallbackAdapter) return true;
  return SOFTWARE_NAMES.test(`${info.description} ${info.device} ${info.architecture} ${info.vendor}`);
}

/** Parses Dawn's " * backend: 'vulkan', name: 'llvmpipe (LLVM 15.0.6, 256 bits)'" lines. */
function parseAdapterList(message: string): { backend: string; name: string }[] {
  const found: { backend: string; name: string }[] = [];
  for (const match of message.matchAll(/backend: '([^']*)', name: '([^']*)'/g)) {
    found.push({ backend: match[1] ?? "", name: match[2] ?? "" });
  }
  return found;
}

async function listedAdapters(): Promise<{ backend: string; name: string }[]> {
  try {
    const adapter = await createGpu(["adapter=(no such adapter: list them)"]).requestAdapter();
    // A Dawn that ignores unknown names hands back its default adapter; list that one alone.
    return adapter ? [{ backend: "", name: adapter.info.description }] : [];
  } catch (err) {
    return parseAdapterList(String(err));
  }
}

async function describeAdapter(listed: { backend: string; name: string }): Promise<AdapterSummary | undefined> {
  const adapter = await createGpu([`adapter=${listed.name}`])
    .requestAdapter()
    .catch(() => null);
  if (!adapter) return undefined;
  const info = adapter.info;
  return {
    name: listed.name,
    backend: listed.backend || "webgpu",
    vendor: info.vendor,
    description: info.description || listed.name,
    software: isSoftwareAdapter(adapter),
  };
}

let cached: Promise<AdapterSummary[]> | undefined;

/**
 * Every adapter Dawn can see, hardware first. Probed once per process and cached (adapters do not
 * come and go while we run); no device is created, so nothing stays open.
 *
 * @example
 * const adapters = await listAdapters();
 * // [{ name: "llvmpipe (LLVM 15.0.6, 256 bits)", backend: "vulkan", vendor: "mesa", software: true, … }]
 */
export function listAdapters(): Promise<AdapterSummary[]> {
  cached ??= (async () => {
    const summaries: AdapterSummary[] = [];
    for (const listed of await listedAdapters().catch(() => [])) {
      const summary = await describeAdapter(listed).catch(() => undefined);
      if (summary) summaries.push(summary);
    }
    return summaries.sort((a, b) => Number(a.software) - Number(b.software));
  })();
  return cached;
}
