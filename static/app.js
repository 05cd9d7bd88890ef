// Progressive enhancement beyond htmx: the CSRF header for htmx requests, and live updates.
// One EventSource on /ui/live; each bus event kind becomes an htmx trigger on <body>
// ("live-jobs", "live-alerts", "live-drift", "live-models") that regions listen for with
// hx-trigger="live-jobs from:body". Without this script those regions fall back to meta refresh.
(() => {
  const meta = (n) => document.querySelector(`meta[name="${n}"]`)?.getAttribute("content");
  document.addEventListener("htmx:configRequest", (e) => {
    const csrf = meta("csrf-token");
    if (csrf) e.detail.headers["X-CSRF-Token"] = csrf;
  });
  if (!meta("live") || !window.EventSource || !window.htmx) return;
  const es = new EventSource("/ui/live");
  for (const kind of ["jobs", "alerts", "drift", "models"]) {
    es.addEventListener(kind, () => window.htmx.trigger(document.body, `live-${kind}`));
  }
})();
