/**
 * The systemd units in deploy/: the server's sandbox still lets WebGPU reach the GPU (devices
 * allowed by class, never by a directory, which matches nothing and closes every device), and
 * `systemd-analyze security` rates every service 4.0 or better where systemd-analyze exists.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const DEPLOY = join(import.meta.dir, "..", "deploy");
const services = readdirSync(DEPLOY).filter((f) => f.endsWith(".service"));

/** Every `Key=value` of a unit file, in order (repeated keys kept). */
function directives(file: string): [string, string][] {
  return readFileSync(join(DEPLOY, file), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#") && !l.startsWith("[") && l.includes("="))
    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]);
}

const values = (file: string, key: string) =>
  directives(file)
    .filter(([k]) => k === key)
    .map(([, v]) => v);

/** Directories under /dev that a careless DeviceAllow= names; they match no device node. */
const DEVICE_DIRS = ["/dev/dri", "/dev/nvidia-caps", "/dev/snd", "/dev/input", "/dev/bus", "/dev/vfio"];

describe("deploy/mlservice.service", () => {
  const unit = "mlservice.service";

  test("allows the GPU's devices by class, never by a directory", () => {
    const allowed = values(unit, "DeviceAllow").map((v) => v.split(/\s+/)[0] as string);
    expect(allowed.length).toBeGreaterThan(0);
    for (const spec of allowed) {
      const isClass = /^(char|block)-[a-z0-9_-]+$/.test(spec);
      const isNode = spec.startsWith("/dev/") && !DEVICE_DIRS.includes(spec.replace(/\/+$/, ""));
      expect({ spec, ok: isClass || isNode }).toEqual({ spec, ok: true });
      if (!isClass && existsSync(spec)) expect(statSync(spec).isDirectory()).toBe(false);
    }
    expect(allowed).toEqual(expect.arrayContaining(["char-drm", "char-nvidia-frontend", "char-nvidia-uvm"]));
    // these would hide or block the GPU, or break the JIT
    for (const off of ["PrivateDevices", "MemoryDenyWriteExecute"]) {
      expect(values(unit, off).filter((v) => /^(yes|true|1|on)$/i.test(v))).toEqual([]);
    }
  });

  test("every service is sandboxed: no capabilities, read-only system, no .env from its working directory", () => {
    for (const file of services) {
      expect({ file, caps: values(file, "CapabilityBoundingSet") }).toEqual({ file, caps: [""] });
      expect(values(file, "ProtectSystem")).toEqual(["strict"]);
      expect(values(file, "NoNewPrivileges")).toEqual(["yes"]);
      expect(values(file, "SystemCallFilter")).toContain("@system-service");
      expect(values(file, "ReadWritePaths")).toEqual(["/var/lib/mlservice"]);
      // the writable working directory is no source of settings
      expect(values(file, "Environment")).toContain("ML_ENV_FILE=/dev/null");
    }
  });

  test("Type=notify: started means listening; the notification comes from systemd-notify, a child", () => {
    expect(values(unit, "Type")).toEqual(["notify"]);
    expect(values(unit, "NotifyAccess")).toEqual(["all"]);
  });

  const analyze = Bun.which("systemd-analyze");
  test.skipIf(!analyze)("systemd-analyze security rates every service 4.0 or better", () => {
    for (const file of services) {
      const run = Bun.spawnSync([analyze as string, "security", "--offline=true", join(DEPLOY, file)], {
        stdout: "pipe",
        stderr: "pipe",
      });
      const text = run.stdout.toString() + run.stderr.toString();
      const level = /Overall exposure level for \S+: ([\d.]+)/.exec(text)?.[1];
      if (level === undefined && /offline/i.test(text)) {
        console.warn(`skipping: this systemd-analyze cannot rate unit files offline (${text.trim().split("\n")[0]})`);
        return;
      }
      expect({ file, level: Number(level) <= 4 }).toEqual({ file, level: true });
    }
  });
});

describe("Dockerfile", () => {
  const text = readFileSync(join(import.meta.dir, "..", "Dockerfile"), "utf8");
  const lines = text.split("\n").map((l) => l.trim());

  test("builds on a supported Node (22 or later), not the end-of-life 20", () => {
    const from = lines.filter((l) => /^FROM\s/i.test(l));
    const node = from.map((l) => /^FROM\s+node:(\d+)/i.exec(l)?.[1]).filter(Boolean);
    expect(node.length).toBe(1);
    expect(Number(node[0])).toBeGreaterThanOrEqual(22);
  });

  test("has a HEALTHCHECK running `mlservice health` from where the image installs it", () => {
    const installed = /COPY --from=build \S+ (\S+)/.exec(text)?.[1];
    expect(installed).toBe("/usr/local/bin/mlservice");
    expect(lines.find((l) => l.startsWith("HEALTHCHECK"))).toEndWith(`CMD ["${installed}","health"]`);
  });

  test("carries the OCI labels and lets the NVIDIA toolkit mount the Vulkan driver", () => {
    for (const label of ["title", "description", "source", "licenses"]) {
      expect(text).toContain(`org.opencontainers.image.${label}=`);
    }
    expect(text).toContain("NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics");
  });
});
