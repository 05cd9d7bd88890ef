/** @jsxImportSource hono/jsx */
/** Form controls with their label, hint and error beside them (WCAG: errors next to their fields). */
import type { Child } from "hono/jsx";

/** What a re-rendered form carries: the user's input and one message per field (path → message). */
export interface FormState {
  values: Record<string, string>;
  errors: Record<string, string>;
}

export const emptyForm = (values: Record<string, string> = {}): FormState => ({ values, errors: {} });

export function Csrf({ token }: { token: string | null }) {
  return token ? <input type="hidden" name="_csrf" value={token} /> : null;
}

interface FieldProps {
  form: FormState;
  name: string;
  label: string;
  type?: string;
  hint?: string;
  required?: boolean;
  autocomplete?: string;
  step?: string;
  placeholder?: string;
  /** value when the form has none yet */
  value?: string;
}

const ids = (name: string) => ({ id: `f-${name}`, hint: `f-${name}-hint`, err: `f-${name}-err` });

function describedBy(name: string, hint: unknown, error: unknown) {
  const i = ids(name);
  return [hint ? i.hint : "", error ? i.err : ""].filter(Boolean).join(" ") || undefined;
}

export function FieldMessages({ name, hint, error }: { name: string; hint?: string | undefined; error?: string }) {
  const i = ids(name);
  return (
    <>
      {hint ? (
        <span class="hint" id={i.hint}>
          {hint}
        </span>
      ) : null}
      {error ? (
        <span class="error" id={i.err}>
          {error}
        </span>
      ) : null}
    </>
  );
}

export function Field(p: FieldProps) {
  const i = ids(p.name);
  const error = p.form.errors[p.name];
  return (
    <div class="field">
      <label for={i.id}>{p.label}</label>
      <input
        id={i.id}
        name={p.name}
        type={p.type ?? "text"}
        value={p.type === "password" ? "" : (p.form.values[p.name] ?? p.value ?? "")}
        required={p.required}
        autocomplete={p.autocomplete}
        step={p.step}
        placeholder={p.placeholder}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={describedBy(p.name, p.hint, error)}
      />
      <FieldMessages name={p.name} hint={p.hint} error={error} />
    </div>
  );
}

export function Select(p: {
  form: FormState;
  name: string;
  label: string;
  options: (string | [value: string, label: string])[];
  hint?: string;
  value?: string;
  required?: boolean;
}) {
  const i = ids(p.name);
  const error = p.form.errors[p.name];
  const current = p.form.values[p.name] ?? p.value ?? "";
  return (
    <div class="field">
      <label for={i.id}>{p.label}</label>
      <select
        id={i.id}
        name={p.name}
        required={p.required}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={describedBy(p.name, p.hint, error)}
      >
        {p.options.map((o) => {
          const [value, label] = typeof o === "string" ? [o, o] : o;
          return (
            <option value={value} selected={value === current}>
              {label}
            </option>
          );
        })}
      </select>
      <FieldMessages name={p.name} hint={p.hint} error={error} />
    </div>
  );
}

export function TextArea(p: { form: FormState; name: string; label: string; hint?: string; rows?: number }) {
  const i = ids(p.name);
  const error = p.form.errors[p.name];
  return (
    <div class="field">
      <label for={i.id}>{p.label}</label>
      <textarea
        id={i.id}
        name={p.name}
        rows={p.rows ?? 6}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={describedBy(p.name, p.hint, error)}
      >
        {p.form.values[p.name] ?? ""}
      </textarea>
      <FieldMessages name={p.name} hint={p.hint} error={error} />
    </div>
  );
}

/** A form-level error (one that belongs to no single field), announced to screen readers. */
export function FormError({ form }: { form: FormState }) {
  const message = form.errors[""];
  return message ? (
    <p class="notice bad" role="alert">
      {message}
    </p>
  ) : null;
}

/** A one-button form (cancel, dismiss, revoke): a real POST that works without JavaScript. */
export function ActionButton(p: {
  action: string;
  csrf: string | null;
  label: string;
  danger?: boolean;
  hidden?: Record<string, string>;
  /** htmx: the region to re-render from the response (hx-select and hx-target) */
  region?: string;
  children?: Child;
}) {
  return (
    <form
      class="inline"
      method="post"
      action={p.action}
      hx-post={p.region ? p.action : undefined}
      hx-select={p.region}
      hx-target={p.region}
      hx-swap={p.region ? "outerHTML" : undefined}
    >
      <Csrf token={p.csrf} />
      {Object.entries(p.hidden ?? {}).map(([k, v]) => (
        <input type="hidden" name={k} value={v} />
      ))}
      <button type="submit" class={p.danger ? "danger" : "secondary"}>
        {p.label}
        {p.children}
      </button>
    </form>
  );
}
