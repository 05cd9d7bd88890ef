#!/usr/bin/env bun
/**
 * The mlservice CLI: dispatches to src/cli/<command>.ts, each exporting run(args, io) and usage().
 */
import { EXIT, type Io, processIo } from "./cli/io";
import { VERSION } from "./version";

interface Command {
  summary: string;
  load: () => Promise<{ run(args: string[], io: Io): Promise<number>; usage(): string }>;
}

const COMMANDS: Record<string, Command> = {
  serve: { summary: "run the HTTP API, dashboard, jobs and schedules", load: () => import("./cli/serve") },
  migrate: { summary: "apply pending database migrations", load: () => import("./cli/migrate") },
  train: {
    summary: "train an MLP offline on a data file and print its score (--register: store it)",
    load: () => import("./cli/train"),
  },
  predict: {
    summary: "score a data file offline with a stored model (CSV or NDJSON out)",
    load: () => import("./cli/predict"),
  },
  export: {
    summary: "write a model version as ONNX or as its artifact (.mlsa)",
    load: () => import("./cli/export"),
  },
  user: { summary: "create users, set passwords, list accounts", load: () => import("./cli/user") },
  "drift-check": {
    summary: "check models for drift now (exit 10: drift found)",
    load: () => import("./cli/drift-check"),
  },
  health: {
    summary: "ask a running service whether it is ready (exit 1: not ready)",
    load: () => import("./cli/health"),
  },
  version: { summary: "print the version", load: () => import("./cli/version") },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return `mlservice ${VERSION}: train, serve, monitor and retrain neural networks on tabular data.

Usage: mlservice <command> [options]    (mlservice <command> --help for details)

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  .join("\n")}

Examples:
  mlservice serve
  mlservice migrate
  mlservice drift-check --model churn
  mlservice export --model churn --format onnx
  mlservice serve --help`;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    io.out(usage());
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === "--version") return main(["version"], io);
  const command = COMMANDS[name];
  if (!command) {
    io.err(`mlservice: unknown command "${name}"\n\n${usage()}`);
    return EXIT.usage;
  }
  const mod = await command.load();
  if (args.includes("--help") || args.includes("-h")) {
    io.out(mod.usage());
    return EXIT.ok;
  }
  return mod.run(args, io);
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2), processIo);
}
