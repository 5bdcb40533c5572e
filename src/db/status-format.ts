// Text and JSON renderings of a DatabaseStatus, for `pg-index-guard status` / `check-missing`.

import type { ErrorDescription } from './errors';
import type { DatabaseStatus, MissingIndex, PendingIndexOperation, StatusSection } from './status';
import { HIDDEN_BUILD_LABEL, oneLine } from '../shared/messages';
import { formatBytes, formatCount } from '../core/format';

export { formatBytes, formatCount } from '../core/format';

/** Dates become ISO strings; everything else keeps its shape. */
export type Jsonified<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Jsonified<U>[]
    : T extends object
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T;

export const STATUS_JSON_FORMAT_VERSION = 1;

export type StatusJson = { formatVersion: typeof STATUS_JSON_FORMAT_VERSION } & Jsonified<DatabaseStatus>;

/** The stable JSON shape of `status --json` (formatVersion bumps on breaking changes). */
export function statusToJson(status: DatabaseStatus): StatusJson {
  return JSON.parse(JSON.stringify({ formatVersion: STATUS_JSON_FORMAT_VERSION, ...status })) as StatusJson;
}

export interface FormatOptions {
  /** Longest query text shown (default 120 characters). */
  maxQueryLength?: number;
  /**
   * Set when the status was collected outside an app: said once, instead of the pending-migrations
   * and missing-indexes sections, which would only say "none".
   */
  outsideApp?: string;
}

export function formatStatusText(status: DatabaseStatus, options: FormatOptions = {}): string {
  const maxQuery = options.maxQueryLength ?? 120;
  const lines: string[] = [];
  const version = status.serverVersionNum ? `PostgreSQL ${formatServerVersion(status.serverVersionNum)}, ` : '';
  lines.push(`PG Index Guard database status (${version}collected ${status.collectedAt.toISOString()})`);

  lines.push('', ...sectionLines('Index builds in progress', status.buildsInProgress, 'none', (b) => {
    if (b.hidden) return [`an index build  pid ${b.pid}${b.runningSeconds !== null ? `  running ${formatDuration(b.runningSeconds)}` : ''}`, `  ${HIDDEN_BUILD_LABEL}`];
    const name = b.index ? `${b.schema ? `${b.schema}.` : ''}${b.index}` : '(index not created yet)';
    const where = b.table ? ` on ${b.table}` : b.databaseName ? ` in database ${b.databaseName}` : '';
    const progress = b.phaseProgress === null ? '' : ` ${Math.floor(b.phaseProgress * 100)}%`;
    const counters = counterText(b);
    const out = [
      `${name}${where}  ${b.command}  pid ${b.pid}${b.runningSeconds !== null ? `  running ${formatDuration(b.runningSeconds)}` : ''}`,
      `  phase: ${b.phase}${progress}${counters ? ` (${counters})` : ''}`,
    ];
    for (const blocker of b.blockedBy) {
      out.push(
        `  waiting for pid ${blocker.pid}${blocker.state ? ` (${blocker.state}${blocker.transactionSeconds !== null ? `, transaction open ${formatDuration(blocker.transactionSeconds)}` : ''})` : ''}: ${truncate(blocker.query, maxQuery)}`,
      );
    }
    return out;
  }));

  if (options.outsideApp) lines.push('', options.outsideApp);
  else lines.push('', ...sectionLines('Pending migrations', status.pendingMigrations, 'none', (m) => {
    const out = [`${m.version} ${m.name}  (${m.relativePath})`];
    if (m.problem) out.push(`  could not be read: ${m.problem}`);
    for (const op of m.indexOperations) out.push(`  line ${op.line}: ${describeOperation(op)}`);
    return out;
  }));

  if (!options.outsideApp) lines.push('', ...formatMissingIndexLines(status.missingIndexes));

  lines.push('', ...sectionLines('Invalid indexes', status.invalidIndexes, 'none', (i) => {
    const state = i.buildInProgress
      ? 'a concurrent build is still running'
      : i.reindexLeftover
        ? 'leftover of a failed REINDEX CONCURRENTLY: drop it'
        : 'leftover of a failed concurrent build: IF NOT EXISTS will treat it as done';
    return [
      `${i.schema}.${i.index} on ${i.table}${i.sizeBytes !== null ? ` (${formatBytes(i.sizeBytes)})` : ''}: ${state}`,
      `  ${i.definition}`,
      ...(i.buildInProgress ? [] : [`  drop:    ${i.dropSql}`, ...(i.reindexLeftover ? [] : [`  rebuild: ${i.reindexSql}`])]),
    ];
  }));

  lines.push('', ...sectionLines('Largest tables', status.largeTables, 'none', (t) => [
    `${t.schema}.${t.table}  ${t.rowEstimate === null ? 'rows unknown (never analyzed)' : `~${formatCount(t.rowEstimate)} rows`}  ${formatBytes(t.totalBytes)} total, ${formatBytes(t.indexBytes)} in ${t.indexCount} index${t.indexCount === 1 ? '' : 'es'}`,
  ]));

  lines.push('', ...sectionLines('Blocked queries', status.blockedQueries, 'none', (q) => [
    `pid ${q.pid}${q.waitingSeconds !== null ? ` waiting ${formatDuration(q.waitingSeconds)}` : ''}: ${truncate(q.query, maxQuery)}`,
    `  blocked by pid ${q.blockingPid}${q.blockingState ? ` (${q.blockingState})` : ''}: ${truncate(q.blockingQuery, maxQuery)}`,
  ]));
  return lines.join('\n') + '\n';
}

/** The missing-indexes section alone (what `check-missing` prints). */
export function formatMissingIndexLines(section: StatusSection<MissingIndex>): string[] {
  return sectionLines('Missing indexes', section, 'none: every declared index exists', (m) => {
    const out = [
      `${m.name} on ${m.schema ? `${m.schema}.` : ''}${m.table} (${m.columns.join(', ')})${m.unique ? ' unique' : ''}${m.where ? ` where ${m.where}` : ''}  declared in ${m.file}:${m.line}`,
    ];
    if (m.tableMissing) out.push('  the table does not exist in this database (pending migration?)');
    else if (m.equivalentIndex) out.push(`  an equivalent index exists under another name: ${m.equivalentIndex}`);
    return out;
  });
}

function sectionLines<T>(title: string, section: StatusSection<T>, empty: string, item: (value: T) => string[]): string[] {
  const lines = [`${title}${section.error ? '' : ` (${section.items.length})`}`];
  if (section.error) {
    lines.push(`  could not be read: ${errorText(section.error)}`);
    return lines;
  }
  if (section.note) lines.push(`  note: ${section.note}`);
  if (section.items.length === 0) lines.push(`  ${empty}`);
  for (const value of section.items) lines.push(...item(value).map((l) => `  ${l}`));
  return lines;
}

function errorText(error: ErrorDescription): string {
  return `${error.title} ${error.advice}`;
}

function describeOperation(op: PendingIndexOperation): string {
  const target = `${op.table ?? '(unknown table)'}${op.columns.length > 0 ? ` (${op.columns.join(', ')})` : ''}`;
  const verb =
    op.kind === 'createIndex'
      ? `creates ${op.unique ? 'unique ' : ''}index${op.name ? ` ${op.name}` : ''} on ${target}`
      : op.kind === 'dropIndex'
        ? `drops index${op.name ? ` ${op.name}` : ''} on ${target}`
        : op.kind === 'reindex'
          ? `reindexes ${op.name ?? target}${op.name !== null && op.table !== null ? ` on ${op.table}` : ''}`
          : `adds a unique constraint on ${target}`;
  const concurrency = op.kind === 'addUniqueConstraint' ? '' : op.concurrent ? ', concurrently' : ', NOT concurrently';
  const size = op.rowEstimate === undefined || op.rowEstimate === null ? '' : `, table ~${formatCount(op.rowEstimate)} rows`;
  return `${verb}${concurrency}${size}`;
}

function counterText(b: { phase: string; blocksDone: number | null; blocksTotal: number | null; tuplesDone: number | null; tuplesTotal: number | null; lockersDone: number | null; lockersTotal: number | null }): string {
  const parts: string[] = [];
  if (b.phase.startsWith('waiting') && b.lockersTotal) parts.push(`lockers ${b.lockersDone ?? 0}/${b.lockersTotal}`);
  if (b.blocksTotal) parts.push(`blocks ${formatCount(b.blocksDone ?? 0)}/${formatCount(b.blocksTotal)}`);
  if (b.tuplesTotal) parts.push(`tuples ${formatCount(b.tuplesDone ?? 0)}/${formatCount(b.tuplesTotal)}`);
  return parts.join(', ');
}

export function formatServerVersion(num: number): string {
  return num >= 100000 ? `${Math.floor(num / 10000)}.${num % 10000}` : `${Math.floor(num / 10000)}.${Math.floor(num / 100) % 100}.${num % 100}`;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

function truncate(text: string | null, max: number): string {
  return text === null ? '(query not visible: needs pg_read_all_stats)' : oneLine(text, max);
}
