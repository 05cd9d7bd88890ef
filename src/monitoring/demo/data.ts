/**
 * The demo models' training rows, embedded in the binary (demo mode, seed 004): Fisher's iris
 * (classification, the shared data's 150 rows imported as text so `bun build --compile` bundles
 * them), a house-price regression and a support-ticket priority set with categorical and text
 * columns. The last two are drawn from a fixed seed, so every demo starts from the same rows.
 */
import type { Row } from "../../ml/features";
import { Random } from "../../ml/random";
import irisCsv from "./iris.csv" with { type: "text" };

export interface DemoModel {
  model_key: string;
  target_field: string;
  items: Row[];
}

function csvRows(text: string): Row[] {
  const [header, ...lines] = text.trim().split("\n");
  const cols = (header as string).split(",");
  return lines.map((l) => {
    const cells = l.split(",");
    return Object.fromEntries(cols.map((c, i) => [c, Number.isNaN(Number(cells[i])) ? cells[i] : Number(cells[i])]));
  });
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Price in thousands from area, rooms and age, with noise. */
function housing(n: number): Row[] {
  const r = new Random(2024);
  return Array.from({ length: n }, () => {
    const area = round(r.uniform(30, 200));
    const rooms = 1 + r.int(7);
    const age = r.int(80);
    const price = 50 + 2.1 * area + 15 * rooms - 0.8 * age + r.uniform(-20, 20);
    return { area_m2: area, rooms, age_years: age, price_k: round(price) };
  });
}

const CHANNELS = ["email", "chat", "phone"];
const PLANS = ["free", "pro", "enterprise"];
const URGENT = ["outage", "down", "refund", "breach"];
const CALM = ["question", "invoice", "feature", "thanks"];

/** Ticket priority: urgent words, enterprise plans and long waits make it high. */
function tickets(n: number): Row[] {
  const r = new Random(2025);
  return Array.from({ length: n }, () => {
    const channel = CHANNELS[r.int(CHANNELS.length)] as string;
    const plan = PLANS[r.int(PLANS.length)] as string;
    const urgent = r.nextFloat() < 0.4;
    const words = urgent ? URGENT : CALM;
    const subject = `${words[r.int(words.length)]} about ${words[r.int(words.length)]}`;
    const wait = round(r.uniform(0, 120));
    const score = (urgent ? 2 : 0) + (plan === "enterprise" ? 1 : 0) + (wait > 60 ? 1 : 0);
    return { channel, plan, subject, wait_minutes: wait, priority: score >= 2 ? "high" : "low" };
  });
}

/** The demo models, in the order they are trained. */
export function demoModels(): DemoModel[] {
  return [
    { model_key: "demo-iris", target_field: "species", items: csvRows(irisCsv) },
    { model_key: "demo-housing", target_field: "price_k", items: housing(400) },
    { model_key: "demo-tickets", target_field: "priority", items: tickets(400) },
  ];
}

/** The keys of the demo models: what a reset may touch. */
export const DEMO_MODEL_KEYS = ["demo-iris", "demo-housing", "demo-tickets"] as const;
