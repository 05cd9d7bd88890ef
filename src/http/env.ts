/** What every handler can reach through `c.get(...)`. */
import type { Identity } from "../auth/identity";
import type { AuditNote } from "../events/audit-note";
import type { Logger } from "../log";

export type { AppDeps, ComputeDescription } from "../app-deps";

export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    /** who the request acts as; unset for anonymous requests to public routes */
    identity: Identity | undefined;
    /** what the audit event of this request says beyond the defaults */
    audit: AuditNote | undefined;
    clientIp: string;
    /** the W3C trace id of the request (its traceparent's, or a new one); jobs it starts log it */
    traceId: string;
  };
}
