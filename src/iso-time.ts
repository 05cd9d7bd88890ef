/**
 * ISO 8601 text of a clock that is read far more often than once a millisecond (an access line or
 * a logged prediction per request): each millisecond is formatted once, and the calls within it
 * share the text.
 */

/** A formatter of epoch milliseconds that remembers the last one it formatted. */
export function isoPerMillisecond(): (ms: number) => string {
  let lastMs = Number.NaN;
  let lastText = "";
  return (ms) => {
    if (ms !== lastMs) {
      lastMs = ms;
      lastText = new Date(ms).toISOString();
    }
    return lastText;
  };
}
