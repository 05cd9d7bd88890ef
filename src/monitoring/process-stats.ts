/**
 * The standard Prometheus process figures that Bun does not hand out: open file descriptors
 * (entries of /proc/self/fd, Linux only) and CPU seconds (user + system). Read at scrape time.
 */
import { readdirSync } from "node:fs";

/** Open file descriptors, or null where /proc is not there (macOS, a sandbox without it). */
export function openFds(): number | null {
  try {
    // the listing itself holds one descriptor while it runs
    return Math.max(readdirSync("/proc/self/fd").length - 1, 0);
  } catch {
    return null;
  }
}

/** User plus system CPU time of this process, in seconds. */
export function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}
