// The impact of a migration in words: the hover's Markdown, the line at the top of a migration,
// and the CLI's text and JSON. One wording for every front end.

import { formatBytes, formatCount } from '../format';
import { estimateBasisText, formatEstimatedDuration } from './estimates';
import type { OperationImpact, TableSummary } from './explain';
import { ACTIVITY_WORDS, type Activity } from './lock-modes';
import type { LockDuration, OperationLock } from './operation-locks';

const DURATION_WORDS: Record<LockDuration, string> = {
  build: 'for the whole build',
  moment: 'for a moment once granted (a catalog change)',
  commit: "until the migration's transaction commits",
  none: '',
};

/** `SHARE UPDATE EXCLUSIVE on the table for the whole build, waits for older transactions`. */
export function lockWords(lock: OperationLock): string {
  if (lock.tableLock === null) return 'no lock on any table';
  const parts = [`${lock.tableLock} on the table ${DURATION_WORDS[lock.duration]}`.trim()];
  if (lock.indexLock !== null) parts.push(`${lock.indexLock} on the index`);
  if (lock.waitsForOlderTransactions) parts.push('waits for older transactions');
  return parts.join('; ');
}

/** `other DDL (...), autovacuum (...); reads and writes go on`. */
export function blocksWords(lock: OperationLock): string {
  if (lock.blocks.length === 0) return 'nothing other sessions use';
  const goOn = (['reads', 'writes'] as Activity[]).filter((activity) => !lock.blocks.includes(activity));
  const blocked = lock.blocks.map((activity) => ACTIVITY_WORDS[activity]).join(', ');
  return goOn.length === 0 ? blocked : `${blocked}; ${goOn.join(' and ')} go on`;
}

export function tableWords(impact: OperationImpact): string | null {
  const parts: string[] = [];
  if (impact.rows !== null) parts.push(`~${formatCount(impact.rows)} rows`);
  if (impact.tableBytes !== null) parts.push(formatBytes(impact.tableBytes));
  return parts.length > 0 ? parts.join(' · ') : null;
}

/** `~4 min (no builds measured on this server yet: ...)`, or null when nothing is estimated. */
export function buildTimeWords(impact: OperationImpact): string | null {
  const estimate = impact.buildTime;
  if (!estimate || estimate.seconds === null) return null;
  const waits = impact.lock.waitsForOlderTransactions ? ', plus its waits for older transactions' : '';
  return `${formatEstimatedDuration(estimate.seconds)} (${estimateBasisText(estimate)}${waits})`;
}

function indexSizeWords(impact: OperationImpact): string | null {
  if (!impact.lock.buildsIndex || !impact.connected || impact.rows === null) return null;
  if (impact.estimatedIndexBytes !== null) return `~${formatBytes(impact.estimatedIndexBytes)}`;
  return 'unknown (a partial or non-B-tree index, an expression, or columns without statistics: run ANALYZE)';
}

function headline(impact: OperationImpact): string {
  const index = impact.index !== null ? ` \`${impact.index}\`` : '';
  const table = impact.table !== null ? ` on \`${impact.table}\`` : '';
  return `**${impact.lock.statement}**${index}${table}`;
}

export interface HoverOptions {
  /** A Markdown link target for the rule that guards this kind of operation. */
  ruleDocsLink?: { ruleId: string; target: string };
}

/** The hover over an index operation. */
export function impactMarkdown(impact: OperationImpact, options: HoverOptions = {}): string {
  const lines = [headline(impact), ''];
  lines.push(`- **Lock:** ${lockWords(impact.lock)}`);
  lines.push(`- **Blocks:** ${blocksWords(impact.lock)}`);
  if (impact.connected) {
    const table = tableWords(impact);
    if (table !== null) lines.push(`- **Table:** ${table}`);
    if (impact.existingIndexes.length > 0) {
      lines.push(`- **Existing indexes on these columns:** ${impact.existingIndexes.map((i) => `\`${i.name}\` (${i.columns.join(', ')}${i.valid ? '' : ', INVALID'})`).join(', ')}`);
    }
    const size = indexSizeWords(impact);
    if (size !== null) lines.push(`- **Estimated index size:** ${size}`);
    const time = buildTimeWords(impact);
    if (time !== null) lines.push(`- **Estimated build time:** ${time}`);
    if (impact.lock.buildsIndex && impact.rows === null && impact.table !== null && impact.lock.blocks.length > 0) {
      lines.push(`- **Table:** not in the connected database's statistics (not created yet, or never analyzed)`);
    }
  } else if (impact.lock.blocks.length > 0) {
    lines.push("- _Connect to a database to see the table's rows and size and the estimated index size and build time._");
  }
  for (const note of impact.lock.notes) lines.push('', `_${note}_`);
  if (options.ruleDocsLink) lines.push('', `[Rule: ${options.ruleDocsLink.ruleId}](${options.ruleDocsLink.target})`);
  return lines.join('\n');
}

/** `messages: SHARE UPDATE EXCLUSIVE ~4 min · 1.9 GB index · 2 statements outside a transaction`. */
export function summaryLine(summary: TableSummary): string {
  const table = summary.table ?? (summary.index !== null ? `the table of ${summary.index}` : 'a table that cannot be named');
  const head = `${table}: ${summary.lock ?? 'blocks nothing (new table)'}`;
  const parts = [summary.seconds !== null ? `${head} ${formatEstimatedDuration(summary.seconds)}` : head];
  if (summary.indexBytes !== null) parts.push(`${formatBytes(summary.indexBytes)} index`);
  const inside = summary.operations - summary.outsideTransaction;
  const statements = (n: number) => `${n} statement${n === 1 ? '' : 's'}`;
  if (summary.outsideTransaction > 0) parts.push(`${statements(summary.outsideTransaction)} outside a transaction`);
  if (inside > 0) parts.push(`${statements(inside)} in a transaction`);
  return parts.join(' · ');
}

/** One operation for `pg-index-guard explain`'s text output. */
export function impactText(impact: OperationImpact, file: string): string {
  const lines = [`${file}:${impact.line}  ${headline(impact).replace(/\*\*|`/g, '')}`];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(9)}${text}`);
  row('lock', lockWords(impact.lock));
  row('blocks', blocksWords(impact.lock));
  if (impact.connected) {
    const table = tableWords(impact);
    if (table !== null) row('table', table);
    if (impact.existingIndexes.length > 0) row('existing', impact.existingIndexes.map((i) => `${i.name} (${i.columns.join(', ')}${i.valid ? '' : ', INVALID'})`).join(', '));
    const size = indexSizeWords(impact);
    if (size !== null) row('index', size);
    const time = buildTimeWords(impact);
    if (time !== null) row('build', time);
  }
  for (const note of impact.lock.notes) row('note', note.replace(/`/g, ''));
  return lines.join('\n');
}

/** One operation of `pg-index-guard explain --format json` (null where unknown). */
export interface ImpactJson {
  file: string;
  line: number;
  table: string | null;
  index: string | null;
  statement: string;
  lock: string | null;
  indexLock: string | null;
  blocks: Activity[];
  duration: LockDuration;
  inTransaction: boolean;
  waitsForOlderTransactions: boolean;
  rows: number | null;
  tableBytes: number | null;
  estimatedIndexBytes: number | null;
  estimatedSeconds: number | null;
  estimateBasis: 'history' | 'default' | null;
  /** How many builds measured on this server the estimate comes from (0: the default rate). */
  measuredBuilds: number | null;
  notes: string[];
}

export function impactJson(impact: OperationImpact, file: string): ImpactJson {
  const seconds = impact.buildTime?.seconds ?? null;
  return {
    file,
    line: impact.line,
    table: impact.table,
    index: impact.index,
    statement: impact.lock.statement,
    lock: impact.lock.tableLock,
    indexLock: impact.lock.indexLock,
    blocks: impact.lock.blocks,
    duration: impact.lock.duration,
    inTransaction: impact.lock.inTransaction,
    waitsForOlderTransactions: impact.lock.waitsForOlderTransactions,
    rows: impact.rows,
    tableBytes: impact.tableBytes,
    estimatedIndexBytes: impact.estimatedIndexBytes,
    estimatedSeconds: seconds === null ? null : Math.round(seconds * 10) / 10,
    estimateBasis: seconds === null ? null : impact.buildTime!.basis,
    measuredBuilds: seconds === null ? null : impact.buildTime!.measuredBuilds,
    notes: impact.lock.notes,
  };
}

/** The rule that guards each kind of index operation (the hover links its page). */
export const GUARDING_RULE: Record<OperationImpact['operation']['kind'], string> = {
  createIndex: 'require-concurrent-index-creation',
  dropIndex: 'require-concurrent-index-deletion',
  reindex: 'require-concurrent-reindex',
  addUniqueConstraint: 'disallowed-unique-constraint',
};
