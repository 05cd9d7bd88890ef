import { EXIT, type Io, parseArgs } from "./io";

export function usage(): string {
  return `Usage: mlservice health [--url URL]

Asks a running service whether it is ready (GET /readyz) and prints one line: "ready" or
"not ready: <reason>". Meant for a container HEALTHCHECK or a monitoring probe. The default
URL is http://127.0.0.1:$ML_SERVICE_PORT (8085 when unset).

Exit codes: 0 ready, 1 not ready or unreachable, 2 bad arguments.

Examples:
  mlservice health
  mlservice health --url https://ml.example.com`;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, unknown, positional } = parseArgs(args, { values: ["url"] });
  if (unknown.length || positional.length) {
    io.err(`mlservice health: ${[...unknown, ...positional.map((p) => `unexpected argument ${p}`)].join("; ")}`);
    return EXIT.usage;
  }
  const base = values.url ?? `http://127.0.0.1:${io.env.ML_SERVICE_PORT || "8085"}`;
  let url: URL;
  try {
    url = new URL("readyz", base.endsWith("/") ? base : `${base}/`);
  } catch {
    io.err(`mlservice health: not a URL: ${base}`);
    return EXIT.usage;
  }
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const body = (await res.json().catch(() => ({}))) as { reason?: string };
    if (res.ok) {
      io.out(`ready (${url})`);
      return EXIT.ok;
    }
    io.out(`not ready (${url}): ${body.reason ?? `HTTP ${res.status}`}`);
  } catch (e) {
    io.out(`not ready (${url}): ${(e as Error).message}`);
  }
  return EXIT.failure;
}
