/** @jsxImportSource hono/jsx */
/**
 * The model page's aliases and shadow: who names which version, plain forms to set, move and
 * remove an alias, to let an alias's version shadow the serving one, and how the shadow
 * compares on the same rows (agreement; accuracy or MAE where feedback labelled them), with one
 * button to promote it.
 */
import { Time } from "../components/chrome";
import { ActionButton, Csrf } from "../components/form";

export interface AliasItem {
  alias: string;
  version: string;
  updated_by: string | null;
  updated_at: string;
}

export interface ShadowItem {
  alias: string;
  version: string;
  started_by: string | null;
  started_at: string;
}

export interface ShadowNumbers {
  version: string | null;
  live_versions: string[];
  rows: number;
  agreement: number | null;
  mean_abs_difference: number | null;
  labelled: { metric: string; rows: number; live: number | null; shadow: number | null };
}

const pct = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(1)}%`);
const num = (x: number | null, metric: string) =>
  x === null ? "—" : metric === "accuracy" ? pct(x) : x.toPrecision(4);

export function AliasesAndShadow(p: {
  modelKey: string;
  activeVersion: string | null;
  aliases: AliasItem[];
  readyVersions: string[];
  shadow: ShadowItem | null;
  comparison: ShadowNumbers;
  canChange: boolean;
  csrf: string | null;
}) {
  const base = `/ui/models/${encodeURIComponent(p.modelKey)}`;
  const c = p.comparison;
  const candidates = p.aliases.filter((a) => a.version !== p.activeVersion);
  return (
    <>
      <h2>Aliases</h2>
      {p.aliases.length === 0 ? (
        <p>No aliases. Predict with one as {`{"model_key": "${p.modelKey}@challenger"}`} once it is set.</p>
      ) : (
        <table class="narrow">
          <caption>Named versions (predict with model_key@alias)</caption>
          <thead>
            <tr>
              <th scope="col">Alias</th>
              <th scope="col">Version</th>
              <th scope="col">Set</th>
              {p.canChange ? <th scope="col">Action</th> : null}
            </tr>
          </thead>
          <tbody>
            {p.aliases.map((a) => (
              <tr>
                <th scope="row">{a.alias}</th>
                <td>{a.version}</td>
                <td>
                  <Time iso={a.updated_at} /> {a.updated_by ? `by ${a.updated_by}` : ""}
                </td>
                {p.canChange ? (
                  <td>
                    <ActionButton
                      action={`${base}/aliases/${encodeURIComponent(a.alias)}/remove`}
                      csrf={p.csrf}
                      label={`Remove ${a.alias}`}
                      danger
                    />
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {p.canChange && p.readyVersions.length > 0 ? (
        <form method="post" action={`${base}/aliases`} class="row">
          <Csrf token={p.csrf} />
          <label>
            Alias{" "}
            <input
              name="alias"
              required
              autocomplete="off"
              placeholder="challenger"
              pattern="[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}"
            />
          </label>
          <label>
            Version{" "}
            <select name="version">
              {p.readyVersions.map((v) => (
                <option value={v}>{v}</option>
              ))}
            </select>
          </label>
          <button type="submit">Set alias</button>
        </form>
      ) : null}
      <h2>Shadow</h2>
      {p.shadow ? (
        <>
          <p>
            Version <strong>{p.shadow.version}</strong> (alias {p.shadow.alias}) shadows the serving version since{" "}
            <Time iso={p.shadow.started_at} />: it predicts a copy of every live row, never answers.
          </p>
          {p.canChange ? (
            <p>
              <ActionButton
                action={`${base}/shadow/promote`}
                csrf={p.csrf}
                label={`Promote ${p.shadow.version} to serve`}
              />{" "}
              <ActionButton action={`${base}/shadow/stop`} csrf={p.csrf} label="Stop the shadow" danger />
            </p>
          ) : null}
        </>
      ) : (
        <p>No shadow.</p>
      )}
      {c.version !== null && c.rows > 0 ? (
        <table class="narrow" id="shadow-comparison">
          <caption>
            Shadow {c.version} against the serving version ({c.live_versions.join(", ")}) on the same {c.rows} rows
          </caption>
          <tbody>
            {c.agreement !== null ? (
              <tr>
                <th scope="row">agreement</th>
                <td class="num">{pct(c.agreement)}</td>
              </tr>
            ) : (
              <tr>
                <th scope="row">mean |shadow − live|</th>
                <td class="num">{num(c.mean_abs_difference, "mae")}</td>
              </tr>
            )}
            <tr>
              <th scope="row">rows with feedback</th>
              <td class="num">{c.labelled.rows}</td>
            </tr>
            <tr>
              <th scope="row">serving {c.labelled.metric} on them</th>
              <td class="num">{num(c.labelled.live, c.labelled.metric)}</td>
            </tr>
            <tr>
              <th scope="row">shadow {c.labelled.metric} on them</th>
              <td class="num">{num(c.labelled.shadow, c.labelled.metric)}</td>
            </tr>
          </tbody>
        </table>
      ) : p.shadow ? (
        <p>No live traffic has been shadowed yet.</p>
      ) : null}
      {p.canChange && !p.shadow && candidates.length > 0 ? (
        <form method="post" action={`${base}/shadow`} class="row">
          <Csrf token={p.csrf} />
          <label>
            Shadow with{" "}
            <select name="alias">
              {candidates.map((a) => (
                <option value={a.alias}>
                  {a.alias} ({a.version})
                </option>
              ))}
            </select>
          </label>
          <button type="submit">Start shadow</button>
        </form>
      ) : null}
    </>
  );
}
