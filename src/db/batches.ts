/**
 * Deleting many rows without holding the database: SQLite has one writer, so one DELETE of a
 * million rows would stall every prediction and request log write behind it for seconds. A
 * sweep deletes `batchRows` at a time and gives the event loop a turn between batches.
 *
 * @example
 * const gone = await inBatches(5000, async (n) => Number((await deleteOldest(n)).numDeletedRows));
 */
export async function inBatches(batchRows: number, deleteBatch: (limit: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await deleteBatch(batchRows);
    total += n;
    if (n < batchRows) return total;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
