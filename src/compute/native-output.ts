/**
 * What native libraries print while we call them. Dawn (and the Vulkan loader and drivers
 * under it) writes warnings straight to file descriptors 1 and 2 from C++ ("Warning:
 * maxDynamicUniformBuffersPerPipelineLayout artificially reduced …", a few dozen lines on a
 * GPU host), which would break the JSON log stream on stdout.
 *
 * Measured with lavapipe: those lines are written synchronously inside `create()`,
 * `requestAdapter()` and `requestDevice()`, before the call returns its promise. So each such
 * call runs with fds 1 and 2 pointed at an unlinked temporary file (dup/dup2 through libc),
 * C stdio is flushed, the fds are restored, and every captured line goes to the listener
 * (the service logs them as JSON at debug level; a training worker posts them to its parent).
 * No JavaScript of this thread runs inside the window; a log line another thread writes
 * meanwhile is recognised and passed on unchanged. Where libc cannot be loaded (not Linux),
 * the call runs as it is.
 */
import { dlopen, FFIType } from "bun:ffi";
import { closeSync, openSync, readSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

type Listener = (line: string) => void;

interface Libc {
  dup(fd: number): number;
  dup2(from: number, to: number): number;
  close(fd: number): number;
  fflush(stream: null): number;
}

let libc: Libc | null | undefined;
/** Until the service says where they go, captured lines are written back to stderr as they were. */
let listener: Listener = (line) => process.stderr.write(`${line}\n`);

function loadLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  if (process.platform !== "linux") return libc;
  try {
    libc = dlopen("libc.so.6", {
      dup: { args: [FFIType.i32], returns: FFIType.i32 },
      dup2: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
      close: { args: [FFIType.i32], returns: FFIType.i32 },
      fflush: { args: [FFIType.ptr], returns: FFIType.i32 },
    }).symbols as unknown as Libc;
  } catch {
    libc = null;
  }
  return libc;
}

/** Where captured native output goes from now on, one line at a time (empty lines dropped). */
export function onNativeOutput(next: Listener): void {
  listener = next;
}

function readAll(fd: number): string {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(64 * 1024);
  let position = 0;
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, position);
    if (n <= 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
    position += n;
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Runs `f` (synchronous: a native call, or the synchronous part of one that returns a promise)
 * with its writes to stdout and stderr captured and handed to the listener line by line.
 *
 * @example
 * const adapterPromise = withNativeOutputCaptured(() => gpu.requestAdapter());
 */
export function withNativeOutputCaptured<T>(f: () => T): T {
  const c = loadLibc();
  if (!c) return f();
  const path = join(tmpdir(), `mlservice-native-${process.pid}-${crypto.randomUUID()}`);
  let fd: number;
  try {
    fd = openSync(path, "w+", 0o600);
    unlinkSync(path);
  } catch {
    return f();
  }
  const savedOut = c.dup(1);
  const savedErr = c.dup(2);
  if (savedOut < 0 || savedErr < 0) {
    if (savedOut >= 0) c.close(savedOut);
    if (savedErr >= 0) c.close(savedErr);
    closeSync(fd);
    return f();
  }
  c.fflush(null);
  c.dup2(fd, 1);
  c.dup2(fd, 2);
  try {
    return f();
  } finally {
    c.fflush(null);
    c.dup2(savedOut, 1);
    c.dup2(savedErr, 2);
    c.close(savedOut);
    c.close(savedErr);
    const text = readAll(fd);
    closeSync(fd);
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      if (isOwnLogLine(line)) passThrough(line);
      else listener(line.trimEnd());
    }
  }
}

/**
 * Another thread's window can catch a line our own logger wrote meanwhile (file descriptors
 * are the process's, not the thread's): such a line goes on to stdout as it was.
 */
function isOwnLogLine(line: string): boolean {
  if (!line.startsWith('{"time":"')) return false;
  try {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    return typeof parsed.level === "string" && typeof parsed.msg === "string";
  } catch {
    return false;
  }
}

function passThrough(line: string): void {
  try {
    writeSync(1, `${line}\n`);
  } catch {
    process.stdout.write(`${line}\n`);
  }
}

/** A line a worker thread captured and posted to its parent, handed to this thread's listener. */
export function emitNativeOutput(line: string): void {
  listener(line);
}
