/**
 * Running from source or from inside the compiled binary (`bun build --compile`, scripts/build.ts),
 * for the few places that start this program or one of its workers again.
 */

/** Whether the module whose `import.meta.url` this is runs from inside the compiled binary. */
export function inCompiledBinary(moduleUrl: string): boolean {
  return moduleUrl.startsWith("file:///$bunfs/");
}

/**
 * A worker's entry point for `new Worker(...)`, given the starting module's `import.meta.url` and
 * the worker's path under src/. Inside the compiled binary the worker is an extra entry point
 * (scripts/build.ts) named relative to the entry points' common root (src/); from source it sits
 * beside the module that starts it.
 */
export function workerUrl(moduleUrl: string, fromSrc: string): string {
  return inCompiledBinary(moduleUrl)
    ? `./${fromSrc}`
    : new URL(`./${fromSrc.slice(fromSrc.lastIndexOf("/") + 1)}`, moduleUrl).href;
}
