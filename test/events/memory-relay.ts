/** An in-memory stand-in for the relays between processes and replicas (src/events/relay.ts), for tests. */
import type { EventRelay, RelayedEvent } from "../../src/events/relay";

/** A database's notification channel as replicas see it: what one sends reaches every other one, not itself. */
export function channel() {
  const members = new Set<Set<(e: RelayedEvent) => void>>();
  return (): EventRelay => {
    const deliver = new Set<(e: RelayedEvent) => void>();
    members.add(deliver);
    return {
      send: (e) => {
        for (const m of members) if (m !== deliver) for (const d of m) d(JSON.parse(JSON.stringify(e)));
      },
      receive: (d) => {
        deliver.add(d);
        return () => deliver.delete(d);
      },
    };
  };
}
