/**
 * What pages are given. Views know nothing of the database: routes in src/http/ui/ query and
 * pass these shapes in. The monitoring shapes (AlertItem, DriftCheckItem) are the interface the
 * drift/alerts tables are mapped to (src/http/ui/monitoring.ts).
 */
export type Theme = "light" | "dark" | "system";

export interface Consent {
  analytics: boolean;
  preferences: boolean;
}

export interface Viewer {
  username: string;
  role: "user" | "admin" | "system_admin";
  isAdmin: boolean;
}

export interface AlertItem {
  id: number;
  model_key: string | null;
  kind: string;
  severity: "info" | "warning" | "critical";
  message: string;
  created_at: string;
  dismissed_at: string | null;
}

export interface FeatureDriftItem {
  feature: string;
  psi: number | null;
  js: number | null;
  ks: number | null;
  drifted: boolean;
  /** rows compared: reference and current window */
  n_reference: number | null;
  n_current: number | null;
}

export interface DriftCheckItem {
  id: number;
  model_key: string;
  version: string | null;
  checked_at: string;
  drift_detected: boolean;
  /** null when the check refused to decide (too few rows) */
  status: string;
  features: FeatureDriftItem[];
}

/** Everything the layout needs besides the page itself. */
export interface Chrome {
  viewer: Viewer | null;
  csrf: string | null;
  theme: Theme;
  /** null until the visitor has answered the consent banner */
  consent: Consent | null;
  /** open alerts for the banner; null when alerts are not available (table missing) */
  alerts: { open: number; latest: AlertItem | null } | null;
  path: string;
  notice: string | null;
}
