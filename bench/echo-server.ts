/**
 * The ceiling for `bun run bench:serve`: a bare Bun.serve that parses the JSON body and answers
 * JSON, nothing else. `bun bench/echo-server.ts PORT`; prints "listening" once it does.
 */
const port = Number(process.argv[2]);
Bun.serve({
  hostname: "127.0.0.1",
  port,
  async fetch(req) {
    const body = (await req.json().catch(() => ({}))) as { model_key?: string };
    return Response.json({ model_key: body.model_key ?? null, predictions: [{ prediction: "0", confidence: 1 }] });
  },
});
console.log("listening");
