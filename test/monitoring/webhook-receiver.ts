/**
 * A local webhook receiver for the delivery tests: a real HTTP server on a free port that
 * records every request and answers as the test says (a status, or never until `release`).
 */

export interface Received {
  headers: Headers;
  body: string;
}

export type Answer = (n: number) => Response | Promise<Response>;

export function startReceiver(answer: Answer = () => new Response("ok")) {
  const got: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (req) => {
      got.push({ headers: req.headers, body: await req.text() });
      for (const w of waiters.filter((w) => got.length >= w.n)) w.resolve();
      return answer(got.length);
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/hook`,
    port: server.port as number,
    got,
    /** Resolves once `n` requests have arrived. */
    received(n: number): Promise<void> {
      if (got.length >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    stop: () => server.stop(true),
  };
}

/** An answer that waits until `release()` is called: a receiver that is slow or hangs. */
export function heldAnswer() {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const answer: Answer = async () => {
    await gate;
    return new Response("late but fine");
  };
  return { answer, release: () => release() };
}
