// One class per kind of node in the database views. contextValue drives the menus in
// package.json; nothing here talks to the database.
import * as vscode from 'vscode';
import { describeIndexBuild } from '../../core/lint-context';
import type { Finding } from '../../core/rules/rule';
import type { ErrorDescription } from '../../db/errors';
import type { BlockedQueryRow, LargeTableRow } from '../../db/queries';
import type { BuildInProgress, InvalidIndex, MissingIndex, PendingIndexOperation, PendingMigration } from '../../db/status';
import type { LocatedFinding } from '../database/status-controller';
import { formatBytes, formatCount, formatDuration } from '../../db/status-format';
import { HIDDEN_BUILD_LABEL, oneLine } from '../../shared/messages';

export abstract class DatabaseNode extends vscode.TreeItem {
  children(): DatabaseNode[] {
    return [];
  }
}

export class MessageNode extends DatabaseNode {
  constructor(message: string, icon = 'info') {
    super(message, vscode.TreeItemCollapsibleState.None);
    this.iconPath = new vscode.ThemeIcon(icon);
    this.contextValue = 'message';
  }
}

export class ErrorNode extends DatabaseNode {
  constructor(error: ErrorDescription) {
    super(error.title, vscode.TreeItemCollapsibleState.None);
    this.description = error.advice;
    this.tooltip = `${error.title}\n${error.advice}\n${error.detail}`;
    this.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
    this.contextValue = 'error';
  }
}

export class BuildNode extends DatabaseNode {
  constructor(readonly build: BuildInProgress) {
    super(build.hidden ? `an index build (PID ${build.pid})` : words(build.index ?? 'new index', build.table && `on ${build.table}`), vscode.TreeItemCollapsibleState.None);
    if (build.hidden) {
      this.description = HIDDEN_BUILD_LABEL;
      this.tooltip = `PID ${build.pid}: ${HIDDEN_BUILD_LABEL}.`;
      this.iconPath = new vscode.ThemeIcon('eye-closed');
      this.contextValue = 'build';
      return;
    }
    const percent = build.phaseProgress === null ? '' : ` ${Math.floor(build.phaseProgress * 100)}%`;
    this.description = `${build.command} · ${build.phase}${percent} · ${formatDuration(build.runningSeconds ?? 0)}`;
    const waiting = build.blockedBy.length > 0 ? `\nwaiting on ${build.blockedBy.map((b) => `PID ${b.pid}: ${b.query ?? ''}`).join('\n')}` : '';
    this.tooltip = `${words(build.command, build.index, build.table && `on ${build.table}`)} (PID ${build.pid})\nphase: ${build.phase}${percent}\nelapsed: ${formatDuration(build.runningSeconds ?? 0)}${waiting}`;
    this.iconPath = new vscode.ThemeIcon(build.blockedBy.length > 0 ? 'watch' : 'sync~spin');
    this.contextValue = 'build';
    this.command = { title: 'Open Build Monitor', command: 'pgIndexGuard.openBuildMonitor' };
  }
}

/**
 * What a narrow sidebar should show first: the migration's name, not its 14-digit version
 * (`20240301120000_add_index_to_messages.rb` → `add_index_to_messages`, version in the
 * description). Prisma-style folders (`20240301120000_add_index/migration.sql`) are named by
 * their folder. A file without a version keeps its file name.
 */
export function migrationLabel(relativePath: string): { name: string; version: string | null } {
  const parts = relativePath.split('/');
  const file = parts.pop() ?? relativePath;
  const folder = parts.pop();
  const named = /^(\d{4,})_(.+?)(\.rb|\.sql)?$/;
  const fromFile = named.exec(file);
  if (fromFile) return { name: fromFile[2]!, version: fromFile[1]! };
  const fromFolder = folder === undefined ? null : named.exec(folder);
  if (fromFolder && /^(migration|up)\.sql$/.test(file)) return { name: fromFolder[2]!, version: fromFolder[1]! };
  return { name: file, version: null };
}

export class PendingMigrationNode extends DatabaseNode {
  readonly findings: LocatedFinding[];

  constructor(
    readonly migration: PendingMigration,
    findingsFor: (path: string) => LocatedFinding[],
  ) {
    const findings = findingsFor(migration.path);
    const expandable = migration.indexOperations.length + findings.length > 0;
    const { name, version } = migrationLabel(migration.relativePath);
    super(name, expandable ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    this.findings = findings;
    const operations = plural(migration.indexOperations.length, 'index operation');
    const facts = migration.problem ?? `${operations}${findings.length > 0 ? ` · ${plural(findings.length, 'finding')}` : ''}`;
    this.description = version ? `${version} · ${facts}` : facts;
    this.tooltip = [
      migration.relativePath,
      migration.problem ?? `${operations}, not run yet (not in schema_migrations)`,
      ...findings.map((f) => `• line ${f.start.line + 1}: ${f.message} (${f.ruleId})`),
    ].join('\n');
    this.resourceUri = vscode.Uri.file(migration.path);
    this.iconPath = new vscode.ThemeIcon(findings.length > 0 ? 'warning' : 'file-code', findings.length > 0 ? new vscode.ThemeColor('list.warningForeground') : undefined);
    this.contextValue = 'pendingMigration';
    this.command = { title: 'Open Migration', command: 'vscode.open', arguments: [vscode.Uri.file(migration.path)] };
  }

  override children(): DatabaseNode[] {
    return [
      ...this.migration.indexOperations.map((op) => new IndexOperationNode(this.migration, op)),
      ...this.findings.map((finding) => new FindingNode(this.migration, finding)),
    ];
  }
}

export class IndexOperationNode extends DatabaseNode {
  constructor(
    readonly migration: PendingMigration,
    readonly operation: PendingIndexOperation,
  ) {
    const verb = { createIndex: 'create index', dropIndex: 'drop index', reindex: 'reindex', addUniqueConstraint: 'unique constraint' }[operation.kind];
    const label = words(verb, operation.name ?? operation.columns.join(', '));
    super(label, vscode.TreeItemCollapsibleState.None);
    const rows = operation.rowEstimate ? `~${formatCount(operation.rowEstimate)} rows` : null;
    // A REINDEX INDEX or DROP INDEX by name does not say its table: say nothing rather than "on ?".
    this.description = [operation.table && `on ${operation.table}`, operation.concurrent ? 'concurrently' : 'BLOCKING', rows].filter(Boolean).join(' · ');
    this.tooltip = [
      words(label, operation.unique && operation.kind === 'createIndex' && '(unique)'),
      operation.table ? `table: ${operation.table}${rows ? ` (${rows})` : ''}` : 'table: not named in the migration',
      operation.columns.length > 0 ? `columns: ${operation.columns.join(', ')}` : null,
      operation.concurrent ? 'runs concurrently: reads and writes go on' : 'runs without CONCURRENTLY: writes to the table wait until it finishes',
      `${migration.relativePath}:${operation.line}`,
    ]
      .filter(Boolean)
      .join('\n');
    this.iconPath = new vscode.ThemeIcon(operation.concurrent ? 'pass' : 'warning');
    this.contextValue = `indexOperation.${operation.kind}`;
    this.command = openAt(vscode.Uri.file(migration.path), operation.line - 1, 0);
  }
}

/** A lint finding of a pending migration; opens its line. */
export class FindingNode extends DatabaseNode {
  constructor(
    readonly migration: PendingMigration,
    readonly finding: LocatedFinding,
  ) {
    super(oneLine(headline(finding.message), 90), vscode.TreeItemCollapsibleState.None);
    this.description = `line ${finding.start.line + 1} · ${finding.ruleId}`;
    this.tooltip = `${finding.message}\n\n${finding.ruleId} (${finding.severity}) · ${migration.relativePath}:${finding.start.line + 1}`;
    const icon = { error: ['error', 'errorForeground'], warning: ['warning', 'list.warningForeground'], info: ['info', undefined], hint: ['lightbulb', undefined] }[finding.severity];
    this.iconPath = new vscode.ThemeIcon(icon[0]!, icon[1] ? new vscode.ThemeColor(icon[1]) : undefined);
    this.contextValue = 'finding';
    this.command = openAt(vscode.Uri.file(migration.path), finding.start.line, finding.start.column, finding.end.line, finding.end.column);
  }
}

export class MissingIndexNode extends DatabaseNode {
  constructor(
    readonly index: MissingIndex,
    workspaceRoot: vscode.Uri | null,
  ) {
    super(index.name, vscode.TreeItemCollapsibleState.None);
    this.description = `${index.table} (${index.columns.join(', ')})${index.unique ? ' unique' : ''}${index.tableMissing ? ' · table missing' : ''}${index.equivalentIndex ? ` · same as ${index.equivalentIndex}` : ''}`;
    this.tooltip = [
      words(index.unique ? 'UNIQUE INDEX' : 'INDEX', index.name, `ON ${index.schema ? `${index.schema}.` : ''}${index.table}`, index.using && `USING ${index.using}`, `(${index.columns.join(', ')})`, index.where && `WHERE ${index.where}`),
      `Declared in ${index.file}:${index.line}, absent from the database.`,
      index.tableMissing ? `The table ${index.table} does not exist in this database (a pending migration creates it?).` : null,
      index.equivalentIndex ? `An index on the same columns exists under another name: ${index.equivalentIndex}.` : null,
    ]
      .filter(Boolean)
      .join('\n');
    this.iconPath = new vscode.ThemeIcon('circle-large-outline');
    this.contextValue = 'missingIndex';
    if (workspaceRoot) this.command = openAt(vscode.Uri.joinPath(workspaceRoot, index.file), index.line - 1, 0);
  }
}

export class InvalidIndexNode extends DatabaseNode {
  constructor(readonly index: InvalidIndex) {
    super(index.index, vscode.TreeItemCollapsibleState.None);
    const size = index.sizeBytes !== null ? ` · ${formatBytes(index.sizeBytes)}` : '';
    if (index.build || index.buildInProgress) {
      // INVALID only until its build ends: shown as building, with no repair actions.
      const state = index.build ? describeIndexBuild(index.build) : 'build in progress';
      this.description = `${index.schema}.${index.table}${size} · being built: ${state}`;
      this.tooltip = `${index.definition}\n\nBeing built right now (${state}): INVALID only until the build ends. Not a leftover; nothing to drop.`;
      this.iconPath = new vscode.ThemeIcon('sync~spin');
      this.contextValue = 'invalidIndex.building';
      this.command = { title: 'Open Build Monitor', command: 'pgIndexGuard.openBuildMonitor' };
      return;
    }
    this.description = `${index.schema}.${index.table}${size}`;
    this.tooltip = [index.definition, `${index.schema}.${index.table}${size}`, 'INVALID: queries do not use it, but every write still maintains it.'].join('\n\n');
    this.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
    this.contextValue = 'invalidIndex';
  }
}

export class LargeTableNode extends DatabaseNode {
  constructor(readonly table: LargeTableRow) {
    super(table.schema === 'public' ? table.table : `${table.schema}.${table.table}`, vscode.TreeItemCollapsibleState.None);
    const rows = table.rowEstimate === null ? 'not analyzed yet' : `~${formatCount(table.rowEstimate)} rows`;
    const indexes = `${table.indexCount} index${table.indexCount === 1 ? '' : 'es'}`;
    this.description = `${rows} · ${formatBytes(table.totalBytes)} · ${indexes}`;
    this.tooltip = [
      `${table.schema}.${table.table}`,
      table.rowEstimate === null ? 'rows: not analyzed yet (ANALYZE gives an estimate)' : `rows: ~${formatCount(table.rowEstimate)} (the planner's estimate)`,
      `size: ${formatBytes(table.totalBytes)} in all: ${formatBytes(table.tableBytes)} table, ${formatBytes(table.indexBytes)} in ${indexes}`,
    ].join('\n');
    this.iconPath = new vscode.ThemeIcon('table');
    this.contextValue = 'largeTable';
  }
}

export class BlockedQueryNode extends DatabaseNode {
  constructor(readonly row: BlockedQueryRow) {
    super(`PID ${row.pid} waits for PID ${row.blockingPid}`, vscode.TreeItemCollapsibleState.None);
    this.description = [formatDuration(row.waitingSeconds ?? 0), oneLine(row.query ?? '', 80)].filter(Boolean).join(' · ');
    const waitEvent = words(row.waitEventType, row.waitEvent);
    const blocker = [row.blockingState, row.blockingTransactionSeconds !== null && `transaction open ${formatDuration(row.blockingTransactionSeconds)}`].filter(Boolean).join(', ');
    this.tooltip = `${words('Waiting', waitEvent && `(${waitEvent})`)} for ${formatDuration(row.waitingSeconds ?? 0)}:\n${row.query ?? ''}\n\n${words(`Blocked by PID ${row.blockingPid}`, blocker && `(${blocker})`)}:\n${row.blockingQuery ?? ''}`;
    this.iconPath = new vscode.ThemeIcon('lock');
    this.contextValue = 'blockedQuery';
  }
}

/** `vscode.open` at a line (0-based), selecting a range when one is given. */
function openAt(uri: vscode.Uri, line: number, column: number, endLine = line, endColumn = column): vscode.Command {
  return { title: 'Open', command: 'vscode.open', arguments: [uri, { selection: new vscode.Range(line, column, endLine, endColumn) }] };
}

/** The words that are there, one space apart: no "on ?" nor double spaces for a missing part. */
function words(...parts: Array<string | null | undefined | false>): string {
  return parts.filter((p): p is string => typeof p === 'string' && p.trim() !== '').map((p) => p.trim()).join(' ');
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** A finding's first clause ("Index built without CONCURRENTLY on messages"): the rest is in the tooltip. */
function headline(message: string): string {
  const colon = message.indexOf(': ');
  return colon > 0 ? message.slice(0, colon) : message.replace(/\.$/, '');
}
