// What `pg-index-guard monitor` prints: the builds in progress as text with progress bars (one
// screen, redrawn each tick), and with --json one JSON line per event. Pure: no terminal access.

import {
  describeRemaining,
  formatDuration,
  oneLine,
  OUTCOME_LABELS,
  type BuildOutcome,
  type BuildView,
  type FinishedBuildView,
} from '../../shared/messages';
import type { ProgressMonitorEvents } from './progress-monitor';

export interface TerminalViewOptions {
  /** Columns available (process.stdout.columns); lines never exceed it. */
  width: number;
  /** ANSI colors (a TTY without NO_COLOR). */
  color: boolean;
  /** Block characters (default) or plain ASCII (`#`, `-`). */
  unicode?: boolean;
  /** Finished builds to list under the running ones. */
  recent?: readonly FinishedBuildView[];
  /** How many finished builds to list. Default 5. */
  recentLimit?: number;
  /** `app_production on db.example.com`: shown when nothing runs. */
  connectionLabel?: string;
}

const ESC = '\u001b[';
const STYLES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
} as const;
type Style = keyof typeof STYLES;

/** Segments of one line: plain text or styled text; widths are counted without the escapes. */
type Segment = string | [Style, string];

export function renderBuildsForTerminal(builds: readonly BuildView[], options: TerminalViewOptions): string {
  const width = Math.max(40, Math.floor(options.width));
  const unicode = options.unicode ?? true;
  const lines: Segment[][] = [];
  if (builds.length === 0) {
    lines.push([['bold', 'No index build is running.']]);
    if (options.connectionLabel) lines.push([['dim', `Watching ${options.connectionLabel}`]]);
  }
  for (const [i, build] of builds.entries()) {
    if (i > 0) lines.push([]);
    lines.push(...renderBuild(build, width, unicode));
  }
  const recent = (options.recent ?? []).slice(0, options.recentLimit ?? 5);
  if (recent.length > 0) {
    lines.push([], [['bold', 'Recent builds']]);
    for (const finished of recent) lines.push(renderFinished(finished, unicode));
  }
  return `${lines.map((segments) => paint(fit(segments, width), options.color)).join('\n')}\n`;
}

function renderBuild(build: BuildView, width: number, unicode: boolean): Segment[][] {
  const target = `${build.schema && build.schema !== 'public' ? `${build.schema}.` : ''}${build.table}`;
  const header: Segment[] = [['bold', build.index ?? '(unnamed index)'], ' on ', ['bold', target], '  ', ['cyan', build.command], ['dim', `  pid ${build.pid}`]];

  const percent = `${build.overallPercent.toFixed(1).padStart(5)}%`;
  const remaining = describeRemaining(build, width);
  const barWidth = Math.max(10, Math.min(40, width - percent.length - 6));
  const overall: Segment[] = ['  ', [build.waiting ? 'yellow' : 'green', bar(build.overallPercent, barWidth, unicode)], ` ${percent}  `, [build.waiting ? 'yellow' : 'dim', remaining]];

  const stepNumber = build.timeline.findIndex((s) => s.status === 'current') + 1;
  const counter = build.counter
    ? ` (${build.counter.done.toLocaleString('en-US')} / ${build.counter.total.toLocaleString('en-US')} ${build.counter.kind})`
    : '';
  const phasePercent = build.phasePercent === null ? '' : ` ${build.phasePercent.toFixed(0)}%`;
  const phase: Segment[] = [
    '  ',
    ['dim', 'phase '],
    `${build.phaseLabel}`,
    ['dim', stepNumber > 0 ? ` (${stepNumber}/${build.timeline.length})` : ''],
    phasePercent,
    ['dim', counter],
    ['dim', `  elapsed ${formatDuration(build.elapsedSeconds)}`],
  ];
  const lines = [header, overall, phase];
  if (build.partitions) lines.push(['  ', ['dim', `partitions ${build.partitions.done} / ${build.partitions.total}`]]);
  return lines;
}

const OUTCOME_STYLE: Record<BuildOutcome, Style> = { valid: 'green', invalid: 'red', cancelled: 'yellow', failed: 'red', unknown: 'dim' };

function renderFinished(finished: FinishedBuildView, unicode: boolean): Segment[] {
  const mark = { valid: unicode ? '✔' : '+', invalid: unicode ? '✖' : 'x', cancelled: unicode ? '■' : '-', failed: unicode ? '✖' : 'x', unknown: '?' }[finished.outcome];
  const b = finished.build;
  return [
    '  ',
    [OUTCOME_STYLE[finished.outcome], `${mark} ${OUTCOME_LABELS[finished.outcome]}`],
    '  ',
    `${b.index ?? '(unnamed index)'} on ${b.table}`,
    ['dim', `  ${formatDuration(finished.durationSeconds)}`],
    ...(finished.leftover ? (['  ', ['yellow', `leftover ${finished.leftover.schema}.${finished.leftover.index}: drop it concurrently`]] as Segment[]) : []),
  ];
}

function bar(percent: number, width: number, unicode: boolean): string {
  const [full, empty] = unicode ? ['█', '░'] : ['#', '-'];
  const filled = Math.round((Math.max(0, Math.min(100, percent)) / 100) * width);
  return unicode ? full.repeat(filled) + empty.repeat(width - filled) : `[${full.repeat(filled)}${empty.repeat(width - filled)}]`;
}

/** Cuts a line to `width` visible characters (an ellipsis marks the cut). */
function fit(segments: Segment[], width: number): Segment[] {
  const chars: Array<[Style | null, string]> = [];
  for (const segment of segments) {
    const [style, text] = typeof segment === 'string' ? [null, segment] : segment;
    for (const ch of text) chars.push([style, ch]);
  }
  if (chars.length <= width) return segments;
  const kept = chars.slice(0, width - 1);
  kept.push([kept[kept.length - 1]?.[0] ?? null, '…']);
  const out: Segment[] = [];
  for (const [style, ch] of kept) {
    const last = out[out.length - 1];
    const lastStyle = last === undefined ? undefined : typeof last === 'string' ? null : last[0];
    if (last !== undefined && lastStyle === style) {
      out[out.length - 1] = typeof last === 'string' ? last + ch : [last[0], last[1] + ch];
    } else out.push(style === null ? ch : [style, ch]);
  }
  return out;
}

function paint(segments: Segment[], color: boolean): string {
  return segments
    .map((s) => {
      if (typeof s === 'string') return s;
      const [style, text] = s;
      if (!color || text === '') return text;
      const [on, off] = STYLES[style];
      return `${ESC}${on}m${text}${ESC}${off}m`;
    })
    .join('')
    .replace(/\s+$/, '');
}

export type MonitorEvent = { [K in keyof ProgressMonitorEvents]: { type: K; payload: ProgressMonitorEvents[K] } }[keyof ProgressMonitorEvents];

/**
 * One line of `monitor --json`: `{"type":"build-progress","time":"…","build":{…}}`. Statements
 * keep their text (JSON escapes newlines), errors carry their description and no stack.
 */
export function jsonEventLine(event: MonitorEvent, at: Date = new Date()): string {
  const time = at.toISOString();
  let body: Record<string, unknown>;
  switch (event.type) {
    case 'build-started':
    case 'build-progress':
      body = { build: event.payload };
      break;
    case 'phase-changed':
      body = { from: event.payload.from, to: event.payload.to, build: event.payload.build };
      break;
    case 'build-finished':
      body = {
        outcome: event.payload.outcome,
        leftover: event.payload.leftover,
        detail: event.payload.detail,
        durationSeconds: event.payload.durationSeconds,
        build: event.payload.build,
      };
      break;
    case 'tick':
      body = { builds: event.payload.builds, queryMs: Math.round(event.payload.queryMs * 100) / 100 };
      break;
    case 'error': {
      const { kind, title, advice, detail, code, retryable } = event.payload.description;
      body = { error: { kind, title, advice, detail, ...(code ? { code } : {}), retryable }, failures: event.payload.failures };
      break;
    }
    case 'recovered':
      body = { failures: event.payload.failures };
      break;
  }
  return `${JSON.stringify({ type: event.type, time, ...body })}\n`;
}

/** Visible width of a line (ANSI escapes removed), for callers laying text out. */
export function visibleLength(line: string): number {
  return [...line.replace(/\u001b\[[0-9;]*m/g, '')].length;
}

export { oneLine };
