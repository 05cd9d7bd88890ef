/**
 * A throw-away PostgreSQL cluster for tests, benches and CI: initdb into a temporary folder,
 * `postgres` on a free loopback port with its socket in that folder, stopped and deleted on
 * `stop()`. PostgreSQL refuses to run as root, so under root the cluster runs as `nobody`.
 *
 *   bun scripts/pg-cluster.ts   # starts one, prints its URL, stops it on SIGINT/SIGTERM
 *
 * Needs the server binaries (Debian: `postgresql`); ML_PG_BIN names their folder when they
 * are not under /usr/lib/postgresql/<version>/bin.
 */
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PgCluster {
  /** postgres://… of the cluster's `postgres` database (trust auth on loopback) */
  url: string;
  port: number;
  /** Stops the server (fast shutdown: clients are disconnected) and deletes the cluster. */
  stop(): Promise<void>;
  /** Stops the server but keeps the cluster: a database outage, for fault tests. */
  stopServer(): Promise<void>;
  /** Starts the stopped server again on the same port and data; resolves once it accepts connections. */
  startServer(): Promise<void>;
  /** Freezes the server (SIGSTOP to it and its backends): connections stay open, nothing answers. */
  pause(): void;
  /** Lets a paused server run again. */
  resume(): void;
}

/** The folder with initdb/postgres, or null when PostgreSQL is not installed. */
export function pgBinDir(): string | null {
  const given = process.env.ML_PG_BIN;
  if (given) return existsSync(join(given, "postgres")) ? given : null;
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "postgres")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], "bin") : null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      s.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

const NOBODY = 65534;

/** Runs a server binary, as `nobody` when this process is root. */
function command(bin: string, args: string[]): string[] {
  return process.getuid?.() === 0 ? ["runuser", "-u", "nobody", "--", bin, ...args] : [bin, ...args];
}

async function run(bin: string, args: string[]): Promise<void> {
  const p = Bun.spawn(command(bin, args), { stdout: "pipe", stderr: "pipe" });
  const [code, out, err] = await Promise.all([p.exited, new Response(p.stdout).text(), new Response(p.stderr).text()]);
  if (code !== 0) throw new Error(`${bin} failed (${code}): ${(err || out).trim().split("\n").slice(-3).join(" ")}`);
}

/** Starts a fresh cluster; throws when PostgreSQL is not installed or does not come up. */
export async function startPgCluster(): Promise<PgCluster> {
  const bin = pgBinDir();
  if (!bin) throw new Error("PostgreSQL server binaries not found (install `postgresql` or set ML_PG_BIN)");
  const dir = mkdtempSync(join(tmpdir(), "mlservice-pg-"));
  chmodSync(dir, 0o700);
  if (process.getuid?.() === 0) chownSync(dir, NOBODY, NOBODY);
  const data = join(dir, "data");
  await run(join(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  const settings = ["fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=200"];
  const args = ["-D", data, "-k", dir, "-h", "127.0.0.1", "-p", String(port), ...settings.flatMap((s) => ["-c", s])];
  let server: ReturnType<typeof Bun.spawn<"ignore", "ignore", "pipe">> | null = null;

  let paused = false;
  const stopServer = async () => {
    const running = server;
    if (!running) return;
    // a frozen server cannot shut down
    if (paused) signal("SIGCONT");
    server = null;
    // pg_ctl as the cluster's owner: runuser does not pass SIGINT on to the server
    if (running.exitCode === null)
      await run(join(bin, "pg_ctl"), ["stop", "-D", data, "-m", "fast", "-w"]).catch(() => {});
    if (running.exitCode === null) running.kill("SIGKILL");
    await running.exited;
  };
  const stop = async () => {
    await stopServer();
    rmSync(dir, { recursive: true, force: true });
  };
  const startServer = async () => {
    if (server) return;
    const started = Bun.spawn(command(join(bin, "postgres"), args), { stdout: "ignore", stderr: "pipe" });
    server = started;
    const ready = join(bin, "pg_isready");
    for (let i = 0; ; i++) {
      const p = Bun.spawn([ready, "-h", "127.0.0.1", "-p", String(port), "-U", "postgres"], { stdout: "ignore" });
      if ((await p.exited) === 0) return;
      if (started.exitCode !== null || i > 300) {
        const err = await new Response(started.stderr).text();
        await stopServer();
        throw new Error(`postgres did not start: ${err.trim().split("\n").slice(-3).join(" ")}`);
      }
      await Bun.sleep(100);
    }
  };
  /** the postmaster (from its pid file) and its children, the backends */
  const serverPids = (): number[] => {
    const master = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
    if (!(master > 1)) throw new Error("no postmaster pid");
    const children = readdirSync("/proc")
      .filter((d) => /^\d+$/.test(d))
      .filter((d) => {
        try {
          // the field after the parenthesised name: state, then the parent's pid
          const stat = readFileSync(`/proc/${d}/stat`, "utf8");
          return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === master;
        } catch {
          return false;
        }
      })
      .map(Number);
    return [master, ...children];
  };
  function signal(sig: "SIGSTOP" | "SIGCONT") {
    paused = sig === "SIGSTOP";
    for (const pid of serverPids()) {
      try {
        process.kill(pid, sig);
      } catch {
        // a backend that ended since the listing
      }
    }
  }
  try {
    await startServer();
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop,
    stopServer,
    startServer,
    pause: () => signal("SIGSTOP"),
    resume: () => signal("SIGCONT"),
  };
}

if (import.meta.main) {
  const cluster = await startPgCluster();
  console.log(cluster.url);
  const done = async () => {
    await cluster.stop();
    process.exit(0);
  };
  process.on("SIGINT", done);
  process.on("SIGTERM", done);
}
