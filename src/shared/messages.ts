// Typed messages between the extension host and the build monitor webview, and the page that
// hosts the webview. Both sides import only this file, so a change of shape fails the type check
// on both. Pure: no DOM, no node, no vscode.

/** The commands `pg_stat_progress_create_index.command` reports. */
export type BuildCommand = 'CREATE INDEX' | 'CREATE INDEX CONCURRENTLY' | 'REINDEX' | 'REINDEX CONCURRENTLY';

export type PhaseStatus = 'done' | 'current' | 'pending';

/** One step of a build's phase timeline (the phases its command goes through, in order). */
export interface PhaseStepView {
  /** The phase string as PostgreSQL reports it, e.g. `building index: scanning table`. */
  phase: string;
  /** Short label for the timeline, e.g. `Build: scan table`. */
  label: string;
  status: PhaseStatus;
  /** The build waits on other sessions in this phase. */
  waiting: boolean;
}

/** The session a build waits for. */
export interface WaitingOnView {
  pid: number;
  /** That session's current (or last) statement; null when it is not visible to the monitor's role. */
  query: string | null;
  /** That session's state (`active`, `idle in transaction`, ...). */
  state: string | null;
  /** It is the monitor's own connection (its query holds a snapshot for a few milliseconds). */
  self: boolean;
}

export interface CounterView {
  kind: 'blocks' | 'tuples' | 'lockers';
  done: number;
  total: number;
}

/** One index build in progress, as computed by the progress model on the host. */
/**
 * What a build shows when PostgreSQL hides its progress from the monitor's role: the role
 * needs pg_read_all_stats (in pg_monitor) to see other roles' builds.
 */
export const HIDDEN_BUILD_LABEL = 'Progress hidden from this role: grant it pg_monitor to see the table, phase and percent';

export interface BuildView {
  /** Stable for one build: backend pid + statement start (a pid is reused by later sessions). */
  id: string;
  pid: number;
  database: string | null;
  schema: string | null;
  /** Table name, or `oid 1234` when the build runs in another database. */
  table: string;
  /** Index name; null while PostgreSQL has not created it yet and the statement does not name it. */
  index: string | null;
  command: string;
  concurrent: boolean;
  /** Phase as PostgreSQL reports it. */
  phase: string;
  phaseLabel: string;
  timeline: PhaseStepView[];
  /** 0..100 of the current phase; null when PostgreSQL reports no counters for it (sorting). */
  phasePercent: number | null;
  /** 0..100 over all phases of the command (weighted); never decreases during a build. */
  overallPercent: number;
  /** The counter the phase percent comes from. */
  counter: CounterView | null;
  /** Partitioned tables: partitions done / total. */
  partitions: { done: number; total: number } | null;
  elapsedSeconds: number;
  /** Of those, the seconds seen waiting on other sessions (a waiting phase or a lock). */
  waitedSeconds: number;
  /** Seconds left, from the smoothed rate of the overall percent; null while waiting or unknown. */
  etaSeconds: number | null;
  /** The build is in a waiting phase or waits for a lock. */
  waiting: boolean;
  waitingOn: WaitingOnView | null;
  /** Sessions to wait for in a waiting phase (lockers_done / lockers_total). */
  lockers: { done: number; total: number } | null;
  /** The statement being run. */
  query: string | null;
  /** Statement start, epoch milliseconds (server clock). */
  startedAt: number;
  /** PostgreSQL hides this build's progress from the monitor's role (HIDDEN_BUILD_LABEL). */
  hidden: boolean;
}

/**
 * How a build ended: `valid` index; `invalid` leftover (the build failed or was cancelled by
 * someone else and left an INVALID index); `cancelled` (through this tool); `failed` (no index
 * was created, or the session ended); `unknown` (an unnamed plain CREATE INDEX: nothing to check).
 */
export type BuildOutcome = 'valid' | 'invalid' | 'cancelled' | 'failed' | 'unknown';

export interface FinishedBuildView {
  build: BuildView;
  outcome: BuildOutcome;
  /** Epoch milliseconds (server clock) when the monitor saw the build end. */
  finishedAt: number;
  durationSeconds: number;
  /** An INVALID index left behind, which `DROP INDEX CONCURRENTLY` removes. */
  leftover: { schema: string; index: string } | null;
  /** One sentence for people. */
  detail: string;
}

/** `reconnecting`: the connection was lost and the monitor is making it again by itself. */
export type ConnectionState = 'connected' | 'connecting' | 'reconnecting' | 'disconnected' | 'none';

export type CancelStatus = 'confirming' | 'cancelling' | 'cancelled' | 'declined' | 'failed';

export type HostToWebview =
  | { type: 'connection'; state: ConnectionState; label?: string; message?: string }
  | { type: 'builds'; builds: BuildView[]; recent: FinishedBuildView[]; at: number }
  | { type: 'cancelStatus'; pid: number; status: CancelStatus; message?: string };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'refresh' }
  /** The host asks for confirmation, cancels, then offers to drop the INVALID leftover. */
  | { type: 'cancelBuild'; pid: number; buildId: string }
  /** The host asks for confirmation before it drops anything. */
  | { type: 'dropInvalidIndex'; schema: string; index: string };

/** What the webview keeps with vscode.setState (the panel is not retained while hidden). */
export interface PanelState {
  connection: { state: ConnectionState; label?: string; message?: string };
  builds: BuildView[];
  recent: FinishedBuildView[];
  at: number;
}

export function isWebviewToHost(value: unknown): value is WebviewToHost {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  switch (m['type']) {
    case 'ready':
    case 'refresh':
      return true;
    case 'cancelBuild':
      return Number.isInteger(m['pid']) && (m['pid'] as number) > 0 && typeof m['buildId'] === 'string';
    case 'dropInvalidIndex':
      return typeof m['schema'] === 'string' && typeof m['index'] === 'string';
    default:
      return false;
  }
}

export interface PanelHtmlOptions {
  /** `webview.cspSource`. */
  cspSource: string;
  /** A fresh random nonce per page load (base64 or hex). */
  nonce: string;
  /** `webview.asWebviewUri(dist/webview.js)`, as a string. */
  scriptUri: string;
  /** `webview.asWebviewUri(media/monitor.css)`, as a string. */
  styleUri: string;
  title?: string;
}

/**
 * The whole page of the build monitor panel. Strict CSP: nothing remote, scripts and style
 * elements only with the nonce, style sheets only from the extension. @vscode-elements (Lit)
 * styles its shadow roots with constructable style sheets (adoptedStyleSheets) and sets dynamic
 * sizes through the CSSOM (`element.style.x = ...`), neither of which `style-src` governs; the
 * bundle also sets `window.litNonce` from the script's nonce for Lit's <style> fallback.
 */
export function renderPanelHtml(options: PanelHtmlOptions): string {
  const { cspSource, nonce, scriptUri, styleUri } = options;
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(nonce)) throw new Error('renderPanelHtml: the nonce must be at least 16 base64/hex characters');
  // VS Code's cspSource is a source list such as `'self' https://*.vscode-cdn.net`: spaces and
  // quoted keywords are expected; a `;` or a newline would smuggle in another directive.
  if (/[;\r\n"<>]/.test(cspSource) || cspSource.trim() === '') throw new Error('renderPanelHtml: unexpected cspSource');
  const csp = [
    "default-src 'none'",
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
  const title = escapeHtml(options.title ?? 'Index Builds');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${escapeHtml(styleUri)}" nonce="${nonce}">
<title>${title}</title>
</head>
<body>
<main id="root" aria-label="${title}"></main>
<div id="announcer" class="visually-hidden" role="status" aria-live="polite" aria-atomic="true"></div>
<script type="module" nonce="${nonce}" src="${escapeHtml(scriptUri)}"></script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#39;');
}

// Wording shared by the panel and the CLI, so both say the same thing.

/** `45s`, `2m 03s`, `1h 02m`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** One line of a statement: whitespace collapsed, cut at `max` characters. */
/** One line, at most `max` characters, cut at a word when one ends near the cut (SQL reads better whole-worded). */
export function oneLine(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:(]+$/, '')}…`;
}

/** `waiting on PID 4242: UPDATE messages ...`, or null when the build waits on nobody known. */
export function describeWait(build: Pick<BuildView, 'waitingOn'>, maxQuery = 120): string | null {
  const w = build.waitingOn;
  if (!w) return null;
  if (w.self) return `waiting on PID ${w.pid}: this monitor's own query (a few milliseconds)`;
  const query = w.query ? oneLine(w.query, maxQuery) : '(query not visible to this role)';
  const state = w.state && w.state !== 'active' ? ` (${w.state})` : '';
  return `waiting on PID ${w.pid}${state}: ${query}`;
}

/** `about 2m 03s left`, the wait, or `estimating…`. */
export function describeRemaining(build: Pick<BuildView, 'waitingOn' | 'waiting' | 'etaSeconds' | 'lockers'>, maxQuery = 120): string {
  const wait = describeWait(build, maxQuery);
  if (wait) return wait;
  if (build.waiting) return build.lockers ? `waiting for ${build.lockers.total - build.lockers.done} of ${build.lockers.total} sessions` : 'waiting';
  return build.etaSeconds === null ? 'estimating…' : `about ${formatDuration(build.etaSeconds)} left`;
}

export const OUTCOME_LABELS: Record<BuildOutcome, string> = {
  valid: 'Valid',
  invalid: 'INVALID leftover',
  cancelled: 'Cancelled',
  failed: 'Failed',
  unknown: 'Unknown',
};
