/** A /ws client for tests: records every message and close, and waits for the ones it expects. */

export interface Message {
  type: string;
  // biome-ignore lint/suspicious/noExplicitAny: event payloads are read loosely
  data: any;
  time: string;
}

/** Connects to `ws://127.0.0.1:<port>/ws<query>`; rejects when the upgrade is refused. */
export async function connect(port: number, query: string, headers?: Record<string, string>) {
  const url = `ws://127.0.0.1:${port}/ws${query}`;
  // Bun's WebSocket takes headers (Cookie, Origin); the DOM typings it is declared with do not
  const ws = headers ? new WebSocket(url, { headers } as unknown as string[]) : new WebSocket(url);
  const messages: Message[] = [];
  let bytesIn = 0;
  ws.addEventListener("message", (e) => {
    bytesIn += String(e.data).length;
    messages.push(JSON.parse(String(e.data)));
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason }), { once: true }),
  );
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve(), { once: true });
    ws.addEventListener("error", () => reject(new Error("connection refused")), { once: true });
  });
  async function next(match: (m: Message) => boolean, timeoutMs = 20_000): Promise<Message> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = messages.find(match);
      if (found) return found;
      if (Date.now() > until) throw new Error(`no matching message; got ${messages.map((m) => m.type).join(",")}`);
      await Bun.sleep(10);
    }
  }
  const send = (m: unknown) => ws.send(JSON.stringify(m));
  /** Closes and waits for the closing handshake, by which time the server has run its onClose. */
  const close = async () => {
    ws.close();
    await closed;
  };
  return { ws, messages, next, send, close, closed, bytes: () => bytesIn };
}
