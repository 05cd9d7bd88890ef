/**
 * The model page's downloads: the serving version (or the newest ready one) as ONNX, with the
 * feature encoding inside, and as the `.mlsa` artifact another service imports. Plain links to
 * the API routes, which the dashboard's session cookie signs in; they work without JavaScript.
 */
export function ModelDownloads(p: {
  modelKey: string;
  versions: { version: string; status: string; active: boolean }[];
}) {
  const ready = p.versions.filter((v) => v.status === "ready");
  const shown = ready.find((v) => v.active) ?? ready[0];
  if (!shown) return null;
  const key = encodeURIComponent(p.modelKey);
  const base = `/models/${key}/versions/${encodeURIComponent(shown.version)}`;
  return (
    <section aria-labelledby="downloads">
      <h2 id="downloads">Export</h2>
      <p>
        <a class="button" href={`${base}/onnx`} download={`${p.modelKey}-${shown.version}.onnx`}>
          Download ONNX (version {shown.version})
        </a>{" "}
        <a class="button secondary" href={`${base}/artifact`} download={`${p.modelKey}-${shown.version}.mlsa`}>
          Download artifact (.mlsa)
        </a>
      </p>
      <p class="hint">
        The ONNX model takes the same columns as Predict, one input per feature; the artifact can be imported into
        another ML Service (POST /models/import).
      </p>
    </section>
  );
}
