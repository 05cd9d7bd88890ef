/** @jsxImportSource hono/jsx */
/** `/ui/datasets`: list, upload of a CSV, NDJSON or Parquet file (multipart form), preview, delete. */
import { Hono } from "hono";
import { emptyForm, type FormState } from "../../../views/components/form";
import { DatasetPage, DatasetsPage } from "../../../views/pages/datasets";
import { datasetForUser, deleteDataset, listDatasets, previewDataset, saveUploadedDataset } from "../../datasets/store";
import { ServiceError } from "../../errors";
import type { AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { type Ctx, offsetOf, render, seeOther, type UiDeps } from "./page";
import { trainPage } from "./train";

const PAGE = 50;

export function datasetPages(deps: UiDeps<"config" | "now">) {
  const datasetDeps = { db: deps.db, config: deps.config, now: deps.now };
  const list = async (c: Ctx, upload: FormState = emptyForm(), status: 200 | 413 | 422 = 200) => {
    const offset = offsetOf(c.req.query("offset"));
    const page = await listDatasets(datasetDeps, signedIn(c), { limit: PAGE, offset });
    const notice =
      c.req.query("done") === "deleted"
        ? "Dataset deleted."
        : c.req.query("done") === "uploaded"
          ? "Dataset stored."
          : null;
    const body = (
      <DatasetsPage
        items={page.items}
        total={page.total}
        offset={offset}
        limit={PAGE}
        csrf={signedIn(c).csrfToken}
        upload={upload}
      />
    );
    return render(c, deps, "Datasets", body, { status, notice });
  };

  return new Hono<AppEnv>()
    .get("/ui/datasets", requireRole("user"), (c) => list(c))
    .post("/ui/datasets", requireRole("user"), async (c) => {
      const body = await c.req.parseBody();
      const file = body.file;
      const name = typeof body.name === "string" ? body.name : "";
      const toTrain = body.next === "train";
      const values = { name };
      try {
        if (!(file instanceof File) || file.size === 0) {
          throw new ServiceError(422, "validation_failed", "file", [{ path: "file", message: "Choose a data file" }]);
        }
        const ds = await saveUploadedDataset(datasetDeps, {
          name: name || undefined,
          originalFilename: file.name,
          source: file.stream(),
          createdBy: signedIn(c).userId,
        });
        return seeOther(c, toTrain ? `/ui/train?dataset=${ds.id}` : "/ui/datasets?done=uploaded");
      } catch (e) {
        if (!(e instanceof ServiceError)) throw e;
        const details = e.details as { path?: string }[] | null;
        const field = Array.isArray(details) && details[0]?.path === "name" ? "name" : "file";
        const form = {
          values,
          errors: { [field]: field === "file" && e.message === "file" ? "Choose a data file" : e.message },
        };
        const status = e.status === 413 ? 413 : 422;
        // the train page shows the upload form too: the error goes back where the user was
        if (toTrain) return trainPage(deps, c, { dataset: null, upload: form, status });
        return list(c, form, status);
      }
    })
    .get("/ui/datasets/:id", requireRole("user"), async (c) => {
      const ds = await datasetForUser(datasetDeps, signedIn(c), c.req.param("id"));
      const { rows } = await previewDataset(datasetDeps, signedIn(c), ds.id, 20);
      return render(c, deps, `Dataset ${ds.name}`, <DatasetPage dataset={ds} rows={rows} />);
    })
    .post("/ui/datasets/:id/delete", requireRole("user"), async (c) => {
      await deleteDataset(datasetDeps, signedIn(c), c.req.param("id"));
      return seeOther(c, "/ui/datasets?done=deleted");
    });
}
