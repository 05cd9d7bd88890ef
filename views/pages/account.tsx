/** @jsxImportSource hono/jsx */
/** Sign-in, registration and the profile (password, username, API tokens). */

import { Status, Time } from "../components/chrome";
import { ActionButton, Csrf, Field, FormError, type FormState } from "../components/form";

/** `csrf`: the pre-session token (src/auth/login-csrf.ts) that proves the form came from this page. */
export function LoginPage(p: { form: FormState; next: string; registration: boolean; csrf: string; notice?: string }) {
  return (
    <section aria-labelledby="login-h">
      <h1 id="login-h">Sign in</h1>
      <FormError form={p.form} />
      <form method="post" action="/ui/login" class="stack" novalidate>
        <Csrf token={p.csrf} />
        <input type="hidden" name="next" value={p.next} />
        <Field form={p.form} name="username" label="Username" autocomplete="username" required />
        <Field
          form={p.form}
          name="password"
          label="Password"
          type="password"
          autocomplete="current-password"
          required
        />
        <p>
          <button type="submit">Sign in</button>
        </p>
      </form>
      {p.registration ? (
        <p>
          No account? <a href="/ui/register">Register</a>
        </p>
      ) : null}
    </section>
  );
}

export function RegisterPage(p: { form: FormState; open: boolean; csrf: string | null }) {
  return (
    <section aria-labelledby="reg-h">
      <h1 id="reg-h">Register</h1>
      {p.open ? (
        <>
          <FormError form={p.form} />
          <form method="post" action="/ui/register" class="stack" novalidate>
            <Csrf token={p.csrf} />
            <Field
              form={p.form}
              name="username"
              label="Username"
              autocomplete="username"
              hint="3 to 64 letters, digits, '_', '.' or '-'"
              required
            />
            <Field
              form={p.form}
              name="password"
              label="Password"
              type="password"
              autocomplete="new-password"
              hint="At least 10 characters, not your username"
              required
            />
            <p>
              <button type="submit">Create account</button>
            </p>
          </form>
        </>
      ) : (
        <p>Registration is closed; ask an administrator for an account.</p>
      )}
      <p>
        Have an account? <a href="/ui/login">Sign in</a>
      </p>
    </section>
  );
}

export interface TokenItem {
  id: number;
  name: string;
  prefix: string;
  status: string;
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
}

export function ProfilePage(p: {
  csrf: string | null;
  user: { username: string; role: string; created_at: string; last_login_at: string | null };
  mustChange: boolean;
  password: FormState;
  username: FormState;
  token: FormState;
  tokens: TokenItem[];
  /** the secret of a token just created: shown here once, never stored */
  created: { name: string; secret: string } | null;
  maxDays: number;
}) {
  return (
    <>
      <h1>Profile</h1>
      {p.mustChange ? (
        <p class="notice bad" role="alert">
          Choose a new password before you continue.
        </p>
      ) : null}
      <p>
        Signed in as <strong>{p.user.username}</strong> ({p.user.role}); account created{" "}
        <Time iso={p.user.created_at} />.
      </p>
      <h2 id="pw-h">Change password</h2>
      <FormError form={p.password} />
      <form method="post" action="/ui/profile/password" class="stack" aria-labelledby="pw-h" novalidate>
        <Csrf token={p.csrf} />
        <input type="text" name="username" value={p.user.username} autocomplete="username" hidden />
        <Field
          form={p.password}
          name="current_password"
          label="Current password"
          type="password"
          autocomplete="current-password"
        />
        <Field
          form={p.password}
          name="new_password"
          label="New password"
          type="password"
          autocomplete="new-password"
          hint="At least 10 characters"
        />
        <p>
          <button type="submit">Change password</button>
        </p>
      </form>
      {p.mustChange ? null : (
        <>
          <h2 id="un-h">Change username</h2>
          <FormError form={p.username} />
          <form method="post" action="/ui/profile/username" class="stack" aria-labelledby="un-h" novalidate>
            <Csrf token={p.csrf} />
            <Field form={p.username} name="new_username" label="New username" autocomplete="username" />
            <Field
              form={p.username}
              name="current_password"
              label="Current password"
              type="password"
              autocomplete="current-password"
            />
            <p>
              <button type="submit">Change username</button>
            </p>
          </form>
          <h2 id="tok-h">API tokens</h2>
          {p.created ? (
            <div class="notice" role="status">
              <p>
                Token <strong>{p.created.name}</strong> created. Copy it now: it is not shown again.
              </p>
              <p>
                <code class="secret" id="new-token">
                  {p.created.secret}
                </code>
              </p>
            </div>
          ) : null}
          <FormError form={p.token} />
          <form
            method="post"
            action="/ui/profile/tokens"
            class="stack"
            aria-labelledby="tok-h"
            hx-boost="false"
            novalidate
          >
            <Csrf token={p.csrf} />
            <Field form={p.token} name="name" label="Token name" hint="Letters, digits, spaces and _ . : @ -" />
            <Field
              form={p.token}
              name="expires_in_days"
              label="Expires in days"
              type="number"
              value={String(p.maxDays)}
              hint={`1 to ${p.maxDays}`}
            />
            <p>
              <button type="submit">Create token</button>
            </p>
          </form>
          <div class="table-wrap" tabindex={0} id="tokens">
            <table>
              <caption>Your API tokens</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Prefix</th>
                  <th scope="col">Status</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {p.tokens.length === 0 ? (
                  <tr>
                    <td colspan={6}>No tokens yet.</td>
                  </tr>
                ) : (
                  p.tokens.map((t) => (
                    <tr>
                      <td>{t.name}</td>
                      <td>
                        <code>{t.prefix}</code>
                      </td>
                      <td>
                        <Status value={t.status} />
                      </td>
                      <td>
                        <Time iso={t.expires_at} />
                      </td>
                      <td>
                        <Time iso={t.last_used_at} />
                      </td>
                      <td>
                        {t.status === "active" ? (
                          <ActionButton
                            action={`/ui/profile/tokens/${t.id}/revoke`}
                            csrf={p.csrf}
                            label={`Revoke ${t.name}`}
                            region="#tokens"
                          />
                        ) : null}{" "}
                        <ActionButton
                          action={`/ui/profile/tokens/${t.id}/delete`}
                          csrf={p.csrf}
                          label={`Delete ${t.name}`}
                          danger
                          region="#tokens"
                        />
                      </td>
                    </tr>
                  ))
                )}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}
