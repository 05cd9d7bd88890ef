/** The audit event as stored and as served by GET /events (input/output parsed back from JSON). */
export type EventSource = "api" | "gui" | "system";

export interface AuditEvent {
  id: number;
  time: string;
  type: string;
  source: EventSource;
  /** username, `username/token:<name>` for an API token, `admin-token`, `cli`, or null (anonymous) */
  actor: string | null;
  actor_user_id: number | null;
  via: string | null;
  /** the account the event is about (the username tried at login, the user edited) */
  subject: string | null;
  ip: string | null;
  user_agent: string | null;
  method: string | null;
  route: string | null;
  path: string | null;
  status: number | null;
  duration_ms: number | null;
  request_id: string | null;
  input: unknown;
  output: unknown;
  suspicious: boolean;
  reason: string | null;
}

/** What a writer supplies; the log fills id and time and strips secrets from input/output. */
export type NewEvent = Partial<Omit<AuditEvent, "id" | "time" | "type" | "source">> & {
  type: string;
  source: EventSource;
};
