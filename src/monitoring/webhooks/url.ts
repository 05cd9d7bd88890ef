/**
 * Which webhook URLs are acceptable: http(s) only, no credentials in the URL, and never the
 * service itself (its listen address or a loopback name with its port), which would turn an
 * alert into a request to its own API. Names are not resolved: an admin may still point a
 * webhook at another host of the same network, on purpose.
 */
import { hostname, networkInterfaces } from "node:os";
import { invalid } from "../../errors";

/** Where the service listens: ML_SERVICE_HOST and ML_SERVICE_PORT. */
export interface ListenAddress {
  host: string;
  port: number;
}

const WILDCARDS = new Set(["0.0.0.0", "::", ""]);

function isLoopback(host: string): boolean {
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (/^127\.\d+\.\d+\.\d+$/.test(host)) return true;
  // ::1, and IPv4 loopback written as an IPv4-mapped IPv6 address (the URL parser gives ::ffff:7f00:1)
  return host === "::1" || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host);
}

/** The names this machine answers to when the service listens on every interface. */
function ownNames(): Set<string> {
  const names = new Set([hostname().toLowerCase()]);
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) names.add(a.address.toLowerCase());
  }
  return names;
}

const bare = (host: string) => host.toLowerCase().replace(/^\[|\]$/g, "");

/** True when `url` would reach this service. */
export function pointsAtService(url: URL, self: ListenAddress): boolean {
  const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  if (port !== self.port) return false;
  const host = bare(url.hostname);
  const listen = bare(self.host);
  if (isLoopback(host) || WILDCARDS.has(host) || host === listen) return true;
  return WILDCARDS.has(listen) && ownNames().has(host);
}

/**
 * The URL parsed, or a 422 that says what is wrong with it (`field` names the input in the
 * details: `url` for the API, `ML_ALERT_WEBHOOK_URLS` at start).
 */
export function checkWebhookUrl(raw: string, self: ListenAddress, field = "url"): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw invalid(`${field}: not a URL`, { field, reason: "not_a_url" });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw invalid(`${field}: only http and https webhooks are sent, not ${url.protocol.replace(/:$/, "")}`, {
      field,
      reason: "scheme",
    });
  }
  if (url.username || url.password) {
    throw invalid(`${field}: put no credentials in the URL; deliveries are signed instead`, {
      field,
      reason: "credentials",
    });
  }
  if (pointsAtService(url, self)) {
    throw invalid(`${field}: the URL points at this service itself (port ${self.port})`, {
      field,
      reason: "self",
    });
  }
  return url;
}

/** What a log line may say of a webhook URL: its origin, since a path may be the secret (Slack's are). */
export const urlForLog = (url: string) => {
  try {
    return new URL(url).origin;
  } catch {
    return "(invalid url)";
  }
};
