/**
 * Events across processes (src/events/relay.ts, src/cli/serve-relay.ts): three buses joined
 * through a hub as the first process and two siblings are, with the IPC channel replaced by
 * direct calls that carry the JSON text, as Bun's `serialization: "json"` IPC does.
 */
import { describe, expect, test } from "bun:test";
import { type IpcPeer, SiblingHub } from "../../src/cli/serve-relay";
import { EventBus } from "../../src/events/bus";
import { bridgeRelays, connectRelay, type EventRelay, type RelayedEvent } from "../../src/events/relay";
import { channel } from "./memory-relay";

/** A sibling's end of an IPC channel to `hub`: what it sends arrives there; what the hub sends arrives here. */
function sibling(hub: SiblingHub): { relay: EventRelay; peer: IpcPeer } {
  const deliver = new Set<(e: RelayedEvent) => void>();
  const peer: IpcPeer = {
    send: (m) => {
      const e = JSON.parse(JSON.stringify(m));
      for (const d of deliver) d({ type: e.type, payload: e.payload });
    },
  };
  const relay: EventRelay = {
    send: (e) => hub.fromSibling(JSON.parse(JSON.stringify({ mls: "event", ...e })), peer),
    receive: (d) => {
      deliver.add(d);
      return () => deliver.delete(d);
    },
  };
  hub.add(peer);
  return { relay, peer };
}

function processes(database?: () => EventRelay) {
  const hub = new SiblingHub();
  const buses = [new EventBus(), new EventBus(), new EventBus()] as const;
  connectRelay(buses[0], hub);
  connectRelay(buses[1], sibling(hub).relay);
  connectRelay(buses[2], sibling(hub).relay);
  if (database) {
    const replicas = database();
    connectRelay(buses[0], replicas);
    bridgeRelays(hub, replicas);
  }
  const seen = buses.map(() => [] as string[]);
  buses.forEach((bus, i) => {
    bus.subscribeAll((p, type) => seen[i]?.push(`${type} ${JSON.stringify(p)}`), { remote: true });
  });
  return { buses, seen };
}

const progress = { job_id: "job_1", type: "train" as const, model_key: "m", version: "1.0.0", status: "running" };

describe("event relay", () => {
  test("an event raised in any process reaches every process once, with its payload", () => {
    for (const from of [0, 1, 2]) {
      const { buses, seen } = processes();
      buses[from]?.publish("queue:task_progress", { ...progress, progress: 0.5 });
      const line = `queue:task_progress ${JSON.stringify({ ...progress, progress: 0.5 })}`;
      expect(seen).toEqual([[line], [line], [line]]);
    }
  });

  test("side effects stay where the event was raised: only subscribers asking for remote events get them", () => {
    const { buses } = processes();
    const delivered: number[] = [];
    buses.forEach((bus, i) => {
      bus.subscribe("queue:task_completed", () => delivered.push(i));
    });
    buses[2].publish("queue:task_completed", { ...progress, status: "failed" });
    expect(delivered).toEqual([2]);
  });

  test("a process's shutdown and refused credentials are not relayed", () => {
    const { buses, seen } = processes();
    buses[1].publish("service:stopping", { grace_ms: 10 });
    expect(seen[0]).toEqual([]);
    expect(seen[2]).toEqual([]);
    expect(seen[1]).toHaveLength(1);
  });

  test("the hub ignores what is not a relayed event and survives a sibling that cannot take messages", () => {
    const hub = new SiblingHub();
    const bus = new EventBus();
    const got: string[] = [];
    bus.subscribeAll((_p, type) => got.push(type), { remote: true });
    connectRelay(bus, hub);
    const broken: IpcPeer = {
      send: () => {
        throw new Error("channel closed");
      },
    };
    hub.add(broken);
    hub.fromSibling("hello", broken);
    hub.fromSibling({ mls: "other", type: "x" }, broken);
    expect(got).toEqual([]);
    bus.publish("queue:task_progress", { ...progress, progress: 1 });
    expect(got).toEqual(["queue:task_progress"]);
  });

  test("across replicas: an event raised in any process of one replica reaches every process of the others once", () => {
    for (const from of [0, 1, 2]) {
      const database = channel();
      const a = processes(database);
      const b = processes(database);
      a.buses[from]?.publish("queue:task_progress", { ...progress, progress: 0.25 });
      const line = `queue:task_progress ${JSON.stringify({ ...progress, progress: 0.25 })}`;
      expect(a.seen).toEqual([[line], [line], [line]]);
      expect(b.seen).toEqual([[line], [line], [line]]);
      b.buses[from]?.publish("service:stopping", { grace_ms: 1 });
      expect(a.seen.flat()).toHaveLength(3);
    }
  });
});
