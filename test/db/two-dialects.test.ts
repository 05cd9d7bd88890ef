/**
 * One process serving from SQLite and from PostgreSQL at once (as the tests do, and as a tool
 * that copies between them would): what is cached per query text, such as the credential
 * lookups of every signed-in request, must be the text of each database's own dialect.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { startService } from "../ml-service/helpers";
import { signedInUser } from "../ml-service/people";
import { freshPostgres, type TestPostgres, testDialects } from "../pg";

describe.each(testDialects().filter((d) => d === "postgres"))("SQLite and %s in one process", () => {
  let pg: TestPostgres | null = null;
  afterAll(() => pg?.drop());

  test("a signed-in user is recognised by each service, whichever database answered first", async () => {
    pg = await freshPostgres();
    const onSqlite = await startService();
    const onPostgres = await startService({ ML_DATABASE_URL: pg.url });
    try {
      const alice = await signedInUser(onSqlite, "alice");
      const bob = await signedInUser(onPostgres, "bob");
      expect((await alice.send("/auth/user-info")).body.username).toBe("alice");
      expect((await bob.send("/auth/user-info")).body.username).toBe("bob");
    } finally {
      await onPostgres.close();
      await onSqlite.close();
    }
  });
});
