/** @jsxImportSource hono/jsx */
/** Datasets: list, upload, preview, delete. */
import { Pager, Time } from "../components/chrome";
import { ActionButton, type FormState } from "../components/form";
import { UploadForm } from "./train";

export interface DatasetItem {
  id: string;
  name: string;
  version: number;
  format: string;
  row_count: number;
  size_bytes: number;
  /** in lists, the first names only; column_count says how many there are */
  columns: string[];
  column_count?: number;
  created_at: string;
  /** what the reader decided per column (uploads since profiles exist); warnings are shown as they are */
  profile?: { warnings: string[] } | null;
}

/** columns of the preview table on a dataset's page: a 10,000-column file stays a readable page */
const PREVIEW_COLUMNS = 100;

const columnsOf = (d: DatasetItem) => {
  const count = d.column_count ?? d.columns.length;
  return count > 6 ? `${d.columns.slice(0, 6).join(", ")}, … (${count} columns)` : d.columns.join(", ");
};

const kb = (n: number) =>
  n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KB` : `${(n / (1 << 20)).toFixed(1)} MB`;

export function DatasetsPage(p: {
  items: DatasetItem[];
  total: number;
  offset: number;
  limit: number;
  csrf: string | null;
  upload: FormState;
}) {
  return (
    <>
      <h1>Datasets</h1>
      <h2>Upload</h2>
      <UploadForm form={p.upload} csrf={p.csrf} next="datasets" />
      <h2>Stored datasets</h2>
      <div class="table-wrap" tabindex={0} id="datasets">
        <table>
          <caption>{p.total} datasets, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" class="num">
                Version
              </th>
              <th scope="col" class="num">
                Rows
              </th>
              <th scope="col">Columns</th>
              <th scope="col" class="num">
                Size
              </th>
              <th scope="col">Created</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {p.items.length === 0 ? (
              <tr>
                <td colspan={7}>No datasets yet.</td>
              </tr>
            ) : null}
            {p.items.map((d) => (
              <tr>
                <th scope="row">
                  <a href={`/ui/datasets/${d.id}`}>{d.name}</a>
                </th>
                <td class="num">{d.version}</td>
                <td class="num">{d.row_count}</td>
                <td>{columnsOf(d)}</td>
                <td class="num">{kb(d.size_bytes)}</td>
                <td>
                  <Time iso={d.created_at} />
                </td>
                <td>
                  <a href={`/ui/train?dataset=${d.id}`}>Train on {d.name}</a>{" "}
                  <ActionButton
                    action={`/ui/datasets/${d.id}/delete`}
                    csrf={p.csrf}
                    label={`Delete ${d.name} v${d.version}`}
                    danger
                    region="#datasets"
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager base="/ui/datasets" offset={p.offset} limit={p.limit} total={p.total} />
    </>
  );
}

export function DatasetPage(p: { dataset: DatasetItem; rows: Record<string, unknown>[] }) {
  const d = p.dataset;
  const shown = d.columns.slice(0, PREVIEW_COLUMNS);
  return (
    <>
      <h1>
        Dataset {d.name} v{d.version}
      </h1>
      <p>
        {d.row_count} rows, {d.columns.length} columns, {kb(d.size_bytes)}.{" "}
        <a href={`/ui/train?dataset=${d.id}`}>Train on it</a>
      </p>
      {d.profile && d.profile.warnings.length > 0 ? (
        <section aria-labelledby="profile-h">
          <h2 id="profile-h">How the columns were read</h2>
          <ul>
            {d.profile.warnings.map((w) => (
              <li>{w}</li>
            ))}
          </ul>
        </section>
      ) : null}
      <div class="table-wrap" tabindex={0}>
        <table>
          <caption>
            First {p.rows.length} rows
            {shown.length < d.columns.length ? `, first ${shown.length} of ${d.columns.length} columns` : ""}
          </caption>
          <thead>
            <tr>
              {shown.map((col) => (
                <th scope="col">{col}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {p.rows.map((r) => (
              <tr>
                {shown.map((col) => (
                  <td>{r[col] == null ? "" : String(r[col])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
