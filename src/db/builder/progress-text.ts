// What a person reads while the safe builder runs and when it ends: steps they know ("Building
// index_messages_on_x (2 of 3) · 43%"), never the session's SET/RESET statements (those are in
// the log), and a summary that counts what happened.
import { displayName, type BuildProgressEvent, type IndexBuildResult, type IndexBuildStatus } from './safe-builder';

/** The line a progress notification shows for a builder event; null keeps the previous line. */
export function buildStepText(event: BuildProgressEvent): string | null {
  if (event.index === null) return event.step === 'cancel' ? 'Cancelling the running build…' : null;
  const what = `${displayName(event.index)} (${event.position} of ${event.total})`;
  switch (event.step) {
    case 'drop-invalid':
      return `Dropping the INVALID leftover of ${what}`;
    case 'retry':
      return `Waiting to retry ${what}: another session held a conflicting lock`;
    case 'verify':
      return `Checking that ${what} is valid`;
    case 'safe-hours':
    case 'load':
    case 'stop':
      return event.level === 'info' ? null : `${what}: ${event.message}`;
    case 'result':
      return null;
    default:
      return `Building ${what}`;
  }
}

const STATUS_WORDS: Record<IndexBuildStatus, string> = {
  built: 'built',
  'rebuilt-invalid': 'rebuilt (INVALID leftover dropped)',
  'already-valid': 'already there',
  skipped: 'skipped',
  failed: 'failed',
  'would-build': 'would be built',
  'would-rebuild-invalid': 'would be rebuilt',
};

/** `2 built, 1 skipped: index_x (another session is building it right now).` */
export function buildSummaryText(results: readonly IndexBuildResult[]): string {
  if (results.length === 0) return 'Nothing to build.';
  const counts = new Map<IndexBuildStatus, number>();
  for (const r of results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const head = [...counts].map(([status, n]) => `${n} ${STATUS_WORDS[status]}`).join(', ');
  const notBuilt = results.filter((r) => r.status === 'skipped' || r.status === 'failed');
  return `${head}${notBuilt.length ? `: ${notBuilt.map((r) => `${displayName(r.index)} ${r.status} (${r.reason ?? r.failure ?? 'no reason given'})`).join('; ')}` : ''}.`;
}
