import { VERSION } from "../version";
import { EXIT, type Io } from "./io";

export function usage(): string {
  return `Usage: mlservice version

Prints the version and the runtime.

Example:
  mlservice version`;
}

export async function run(_args: string[], io: Io): Promise<number> {
  io.out(`mlservice ${VERSION} (bun ${Bun.version}, ${process.platform}-${process.arch})`);
  return EXIT.ok;
}
