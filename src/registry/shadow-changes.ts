/**
 * A count of changes, made by this process, to which version shadows a model (a shadow started,
 * stopped or promoted; an alias set or deleted, which a shadow follows). The shadow traffic keeps
 * each model's shadow version for a second instead of reading it for every request
 * (src/monitoring/shadow-traffic.ts). A change here reaches it at once. A change made by another
 * process or replica reaches it within that second, as a model switch does.
 */
let changes = 0;

export function shadowChanges(): number {
  return changes;
}

export function noteShadowChange(): void {
  changes++;
}
