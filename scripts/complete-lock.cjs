#!/usr/bin/env node
// Adds lock entries for @biomejs/biome's platform packages that this registry does not serve, so
// `npm ci` finds every optional dependency in the lock; npm skips them on a mismatched platform.
const fs = require("node:fs");
const path = process.argv[2] ?? "package-lock.json";
const lock = JSON.parse(fs.readFileSync(path, "utf8"));
const biome = lock.packages["node_modules/@biomejs/biome"];
const platforms = {
  "android-arm64": ["android", "arm64"],
  "android-x64": ["android", "x64"],
  "darwin-arm64": ["darwin", "arm64"],
  "darwin-x64": ["darwin", "x64"],
  "linux-arm64": ["linux", "arm64", "glibc"],
  "linux-x64": ["linux", "x64", "glibc"],
  "linux-arm64-musl": ["linux", "arm64", "musl"],
  "linux-x64-musl": ["linux", "x64", "musl"],
  "win32-arm64": ["win32", "arm64"],
  "win32-x64": ["win32", "x64"],
};
let added = 0;
for (const [name, version] of Object.entries(biome.optionalDependencies)) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const [os, cpu, libc] = platforms[name.replace("@biomejs/cli-", "")];
  lock.packages[key] = {
    version,
    cpu: [cpu],
    dev: true,
    ...(libc ? { libc: [libc] } : {}),
    license: "MIT OR Apache-2.0",
    optional: true,
    os: [os],
    engines: { node: ">=14.21.3" },
  };
  added++;
}
const sorted = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))),
);
lock.packages = sorted;
fs.writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added}`);
