/** @jsxImportSource hono/jsx */
/** Error pages: 403, 404, expired forms and the rest, each with a way onward. */
export function StatusPage(p: { status: number; title: string; message: string; signedIn: boolean }) {
  return (
    <section aria-labelledby="status-h">
      <h1 id="status-h">{p.title}</h1>
      <p>{p.message}</p>
      <p>
        {p.signedIn ? <a href="/ui">Back to the overview</a> : <a href="/ui/login">Sign in</a>}
        {" · "}
        <a href="/ui/about">About this service</a>
      </p>
      <p class="hint">HTTP status {p.status}</p>
    </section>
  );
}
