/**
 * Exposition text read back by the Prometheus project's own Python parser
 * (`prometheus_client.parser`, Debian's python3-prometheus-client, installed by .ci/run), not by
 * a parser of ours. The npm parse-prometheus-text-format 1.1.1 was the other choice; it folds
 * every series of a labelled histogram into one bucket map, so it cannot check ours.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const PYTHON = "/usr/bin/python3";
const SCRIPT = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = [{"name": f.name, "type": f.type, "help": f.documentation,
        "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]}
       for f in text_string_to_metric_families(sys.stdin.read())]
print(json.dumps(out))
`;

/** Every family of `text`; throws with the parser's message when a line does not parse. */
export async function parseExposition(text: string): Promise<Family[]> {
  const proc = Bun.spawn([PYTHON, "-c", SCRIPT], { stdin: new Blob([text]), stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`prometheus_client could not parse /metrics (exit ${code}): ${err.trim()}`);
  return JSON.parse(out) as Family[];
}

/** The value of the one sample named `name` whose labels include `labels`. */
export function sampleValue(families: Family[], name: string, labels: Record<string, string> = {}): number | undefined {
  for (const f of families) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  return undefined;
}
