/** Polls `probe` every 25 ms until it answers something; fails naming `what` after about a minute. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 2400; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await Bun.sleep(25);
  }
  throw new Error(`never happened: ${what}`);
}
