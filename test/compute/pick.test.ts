/**
 * Backend selection rules. The real adapters are used where the rule holds on any box (lavapipe in
 * CI: software only); a fake adapter list stands in for a hardware GPU, which CI does not have.
 */
import { describe, expect, test } from "bun:test";
import type { Backend } from "../../src/compute/backend";
import type { NativeBackendOptions } from "../../src/compute/native";
import { AUTO_GPU_MIN_FLOPS, describeCompute, type PickDeps, pickBackend } from "../../src/compute/pick";
import { type AdapterSummary, listAdapters } from "../../src/compute/webgpu";

const lavapipe: AdapterSummary = {
  name: "llvmpipe (LLVM 15.0.6, 256 bits)",
  backend: "vulkan",
  vendor: "mesa",
  description: "llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)",
  software: true,
};
const h100: AdapterSummary = {
  name: "NVIDIA H100 80GB HBM3",
  backend: "vulkan",
  vendor: "nvidia",
  description: "NVIDIA H100 80GB HBM3",
  software: false,
};

const stub = (kind: "cpu" | "webgpu", device: string): Backend =>
  ({ info: { kind, device, software: false }, dispose() {} }) as Backend;

/** Fakes that record which devices were opened; `nativeFails` is the native backend's load error. */
function fakes(adapters: AdapterSummary[], gpuFails = false, nativeFails?: string) {
  const opened: string[] = [];
  const asked: NativeBackendOptions[] = [];
  const deps: PickDeps = {
    listAdapters: async () => adapters,
    createCpuBackend: async () => {
      opened.push("cpu");
      return stub("cpu", "wasm simd128 × 2 threads");
    },
    createNativeBackend: async (opts) => {
      if (nativeFails) throw new Error(nativeFails);
      asked.push(opts);
      opened.push(`native:${opts.isa ?? "best"}`);
      return stub("cpu", `native ${opts.isa ?? "avx512"} × 2 threads`);
    },
    describeNative: async (opts) => {
      if (nativeFails) throw new Error(nativeFails);
      return `native ${opts.isa ?? "avx512"} × ${opts.threads ?? 2} threads`;
    },
    createWebGpuBackend: async (opts) => {
      if (gpuFails) throw new Error("device lost");
      opened.push(`webgpu:${opts.adapter}`);
      return stub("webgpu", `${opts.adapter} (vulkan)`);
    },
  };
  return { deps, opened, asked };
}

const LARGE = AUTO_GPU_MIN_FLOPS * 10;
const SMALL = 6 * 1000 * 2000 * 200; // 1000 rows, 2000 parameters, 200 epochs

describe("pickBackend", () => {
  test("ML_COMPUTE=cpu gives the CPU backend whatever the work", async () => {
    const { backend, reason } = await pickBackend({ compute: "cpu", workSize: LARGE, threads: 2 });
    expect(backend.info.kind).toBe("cpu");
    expect(reason).toContain("ML_COMPUTE=cpu");
    backend.dispose();
  });

  test("the CPU is native unless cpu-wasm is asked for; without it, cpu falls back to wasm and says why", async () => {
    const { deps, opened, asked } = fakes([h100]);
    const native = await pickBackend({ compute: "cpu", isa: "avx2" }, deps);
    expect(native.reason).toBe("ML_COMPUTE=cpu: native avx2 × 2 threads");
    const wasm = await pickBackend({ compute: "cpu-wasm" }, deps);
    expect(wasm.reason).toBe("ML_COMPUTE=cpu-wasm: wasm simd128 × 2 threads");
    expect(opened).toEqual(["native:avx2", "cpu"]);
    // cpu wants AVX2 at least (a CPU without it gets wasm); cpu-native takes the baseline too
    await pickBackend({ compute: "cpu" }, deps);
    await pickBackend({ compute: "cpu-native", threads: 1 }, deps);
    expect(asked.slice(1)).toEqual([{ minimum: "avx2" }, { threads: 1 }]);

    const missing = fakes([h100], false, "native kernels not built: gcc not found");
    const fallback = await pickBackend({ compute: "cpu" }, missing.deps);
    expect(fallback.backend.info.device).toBe("wasm simd128 × 2 threads");
    expect(fallback.reason).toContain("(native kernels not built: gcc not found: using wasm simd)");
    const auto = await pickBackend({ compute: "auto", workSize: SMALL }, missing.deps);
    expect(auto.reason).toContain("gcc not found: using wasm simd");
    await expect(pickBackend({ compute: "cpu-native" }, missing.deps)).rejects.toThrow(/gcc not found/);
  });

  test("the real native backend opens under cpu-native on this box", async () => {
    const { backend, reason } = await pickBackend({ compute: "cpu-native", threads: 1 });
    expect(backend.info.device).toMatch(/^native (avx512|avx2|baseline) × 1 threads$/);
    expect(reason).toStartWith("ML_COMPUTE=cpu-native: native");
    backend.dispose();
  });

  test("auto keeps small work on the CPU even with a hardware GPU", async () => {
    const { deps, opened } = fakes([h100, lavapipe]);
    const { backend, reason } = await pickBackend({ compute: "auto", workSize: SMALL }, deps);
    expect(backend.info.kind).toBe("cpu");
    expect(opened).toEqual(["native:best"]);
    expect(reason).toMatch(/below the .* GPU threshold/);
  });

  test("auto takes the hardware GPU for large work and says which", async () => {
    const { deps, opened } = fakes([h100, lavapipe]);
    const { backend, reason } = await pickBackend({ compute: "auto", workSize: LARGE }, deps);
    expect(backend.info.kind).toBe("webgpu");
    expect(opened).toEqual([`webgpu:${h100.name}`]);
    expect(reason).toContain("hardware GPU");
    expect(reason).toContain("H100");
  });

  test("auto never takes a software adapter, even for large work or when named", async () => {
    const { deps, opened } = fakes([lavapipe]);
    const plain = await pickBackend({ compute: "auto", workSize: LARGE }, deps);
    expect(plain.backend.info.kind).toBe("cpu");
    expect(plain.reason).toContain("no hardware GPU");
    const named = await pickBackend({ compute: "auto", adapter: "llvmpipe", workSize: LARGE }, deps);
    expect(named.reason).toContain("is software");
    expect(opened).toEqual(["native:best", "native:best"]);
  });

  test("auto falls back to the CPU when the GPU fails to open", async () => {
    const { deps } = fakes([h100], true);
    const { backend, reason } = await pickBackend({ compute: "auto", workSize: LARGE }, deps);
    expect(backend.info.kind).toBe("cpu");
    expect(reason).toContain("device lost");
  });

  test("webgpu prefers hardware, takes the only software adapter, and honours a named one", async () => {
    expect((await pickBackend({ compute: "webgpu" }, fakes([lavapipe, h100]).deps)).backend.info.device).toContain(
      "H100",
    );
    const only = await pickBackend({ compute: "webgpu" }, fakes([lavapipe]).deps);
    expect(only.backend.info.device).toContain("llvmpipe");
    expect(only.reason).toContain("software");
    const named = await pickBackend({ compute: "webgpu", adapter: "llvmpipe" }, fakes([h100, lavapipe]).deps);
    expect(named.backend.info.device).toContain("llvmpipe");
  });

  test("webgpu with no adapter, or an unknown name, is a clear error", async () => {
    await expect(pickBackend({ compute: "webgpu" }, fakes([]).deps)).rejects.toThrow(/no WebGPU adapter/);
    await expect(pickBackend({ compute: "webgpu", adapter: "radeon" }, fakes([lavapipe]).deps)).rejects.toThrow(
      /"radeon" not found; available: llvmpipe/,
    );
    await expect(pickBackend({ compute: "webgpu" }, fakes([h100], true).deps)).rejects.toThrow(/device lost/);
  });

  test("on this box's real adapters, auto with large work takes no software adapter", async () => {
    const adapters = await listAdapters();
    const { backend, reason } = await pickBackend({ compute: "auto", workSize: LARGE, threads: 1 });
    if (adapters.some((a) => !a.software)) expect(backend.info.kind).toBe("webgpu");
    else expect(backend.info.kind).toBe("cpu");
    expect(backend.info.software).toBe(false);
    expect(reason).toMatch(/^auto: /);
    backend.dispose();
  });
});

describe("describeCompute", () => {
  test("describes the choice without opening any device", async () => {
    const { deps, opened } = fakes([h100, lavapipe]);
    expect(await describeCompute({ compute: "auto" }, deps)).toEqual({
      backend: "webgpu",
      device: "NVIDIA H100 80GB HBM3 (vulkan)",
      reason: "auto: hardware GPU, work size unknown",
    });
    expect(await describeCompute({ compute: "cpu", threads: 4 }, deps)).toMatchObject({
      backend: "cpu",
      device: "native avx512 × 4 threads",
    });
    expect(await describeCompute({ compute: "cpu-wasm", threads: 4 }, deps)).toMatchObject({
      device: "wasm simd128 × 4 threads",
    });
    expect(opened).toEqual([]);
  });

  test("says why the CPU is wasm when the native kernels cannot run", async () => {
    const { deps } = fakes([], false, "native kernels not built: gcc not found");
    expect(await describeCompute({ compute: "cpu", threads: 2 }, deps)).toEqual({
      backend: "cpu",
      device: "wasm simd128 × 2 threads",
      reason: "ML_COMPUTE=cpu (native kernels not built: gcc not found)",
    });
    expect((await describeCompute({ compute: "cpu-native" }, deps)).reason).toContain("(unavailable: native kernels");
  });

  test("reports an unusable webgpu setting instead of failing the health check", async () => {
    const description = await describeCompute({ compute: "webgpu", adapter: "radeon" }, fakes([lavapipe]).deps);
    expect(description.backend).toBe("cpu");
    expect(description.reason).toMatch(/^unavailable: .*radeon/);
  });

  test("names a software adapter as software when webgpu is asked for on this box", async () => {
    const adapters = await listAdapters();
    if (adapters.length === 0) {
      if (process.env.CI) throw new Error("CI: no WebGPU adapter found (lavapipe should be installed)");
      console.warn("skipping: no WebGPU adapter on this machine");
      return;
    }
    const description = await describeCompute({ compute: "webgpu" });
    expect(description.backend).toBe("webgpu");
    if (adapters.every((a) => a.software)) expect(description.device).toContain("software");
  });
});
