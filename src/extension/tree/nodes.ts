// One class per kind of node in the database views. contextValue drives the menus in
// package.json; nothing here talks to the database.
import * as vscode from 'vscode';
import { describeIndexBuild } from '../../core/lint-context';
import type { Finding } from '../../core/rules/rule';
import type { ErrorDescription } from '../../db/errors';
import type { BlockedQueryRow, LargeTableRow } from '../../db/queries';
import type { BuildInProgress, InvalidIndex, MissingIndex, PendingIndexOperation, PendingMigration } from '../../db/status';
import { formatBytes, formatCount, formatDuration } from '../../db/status-format';
import { HIDDEN_BUILD_LABEL } from '../../shared/messages';

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
    super(build.hidden ? `an index build (PID ${build.pid})` : `${build.index ?? '(new index)'} on ${build.table ?? '?'}`, vscode.TreeItemCollapsibleState.None);
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
    this.tooltip = `${build.command} (PID ${build.pid})\nphase: ${build.phase}${percent}\nelapsed: ${formatDuration(build.runningSeconds ?? 0)}${waiting}`;
    this.iconPath = new vscode.ThemeIcon(build.blockedBy.length > 0 ? 'watch' : 'sync~spin');
    this.contextValue = 'build';
    this.command = { title: 'Open Build Monitor', command: 'pgIndexGuard.openBuildMonitor' };
  }
}

export class PendingMigrationNode extends DatabaseNode {
  constructor(
    readonly migration: PendingMigration,
    findingsFor: (path: string) => Finding[],
  ) {
    super(migration.relativePath.split('/').pop() ?? migration.relativePath, migration.indexOperations.length > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    const all = findingsFor(migration.path);
    const findings = all.length;
    this.description = migration.problem ?? `${migration.indexOperations.length} index operation${migration.indexOperations.length === 1 ? '' : 's'}${findings > 0 ? ` · ${findings} finding${findings === 1 ? '' : 's'}` : ''}`;
    if (findings > 0) this.tooltip = `${migration.relativePath}\n${all.map((f) => `• ${f.ruleId}: ${f.message}`).join('\n')}`;
    this.resourceUri = vscode.Uri.file(migration.path);
    this.iconPath = new vscode.ThemeIcon(findings > 0 ? 'warning' : 'file-code', findings > 0 ? new vscode.ThemeColor('list.warningForeground') : undefined);
    this.contextValue = 'pendingMigration';
    this.command = { title: 'Open Migration', command: 'vscode.open', arguments: [vscode.Uri.file(migration.path)] };
  }

  override children(): DatabaseNode[] {
    return this.migration.indexOperations.map((op) => new IndexOperationNode(this.migration, op));
  }
}

export class IndexOperationNode extends DatabaseNode {
  constructor(
    readonly migration: PendingMigration,
    readonly operation: PendingIndexOperation,
  ) {
    const verb = { createIndex: 'create index', dropIndex: 'drop index', reindex: 'reindex', addUniqueConstraint: 'unique constraint' }[operation.kind];
    super(`${verb} ${operation.name ?? operation.columns.join(', ')}`, vscode.TreeItemCollapsibleState.None);
    const rows = operation.rowEstimate ? ` · ~${formatCount(operation.rowEstimate)} rows` : '';
    this.description = `on ${operation.table ?? '?'}${operation.concurrent ? ' · concurrently' : ' · BLOCKING'}${rows}`;
    this.iconPath = new vscode.ThemeIcon(operation.concurrent ? 'pass' : 'warning');
    this.contextValue = `indexOperation.${operation.kind}`;
    this.command = {
      title: 'Show in Migration',
      command: 'vscode.open',
      arguments: [vscode.Uri.file(migration.path), { selection: new vscode.Range(operation.line - 1, 0, operation.line - 1, 0) }],
    };
  }
}

export class MissingIndexNode extends DatabaseNode {
  constructor(readonly index: MissingIndex) {
    super(index.name, vscode.TreeItemCollapsibleState.None);
    this.description = `${index.table} (${index.columns.join(', ')})${index.unique ? ' unique' : ''}${index.tableMissing ? ' · table missing' : ''}${index.equivalentIndex ? ` · same as ${index.equivalentIndex}` : ''}`;
    this.tooltip = `Declared in ${index.file}:${index.line}${index.where ? `\nWHERE ${index.where}` : ''}`;
    this.iconPath = new vscode.ThemeIcon('circle-large-outline');
    this.contextValue = 'missingIndex';
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
    this.tooltip = `${index.definition}\n\nINVALID: queries do not use it, but every write still maintains it.`;
    this.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
    this.contextValue = 'invalidIndex';
  }
}

export class LargeTableNode extends DatabaseNode {
  constructor(readonly table: LargeTableRow) {
    super(table.schema === 'public' ? table.table : `${table.schema}.${table.table}`, vscode.TreeItemCollapsibleState.None);
    this.description = `${table.rowEstimate === null ? 'not analyzed yet' : `~${formatCount(table.rowEstimate)} rows`} · ${formatBytes(table.totalBytes)} · ${table.indexCount} index${table.indexCount === 1 ? '' : 'es'}`;
    this.iconPath = new vscode.ThemeIcon('table');
    this.contextValue = 'largeTable';
  }
}

export class BlockedQueryNode extends DatabaseNode {
  constructor(readonly row: BlockedQueryRow) {
    super(`PID ${row.pid} waits for PID ${row.blockingPid}`, vscode.TreeItemCollapsibleState.None);
    this.description = `${formatDuration(row.waitingSeconds ?? 0)} · ${truncate(row.query)}`;
    this.tooltip = `Waiting (${row.waitEventType ?? ''} ${row.waitEvent ?? ''}) for ${formatDuration(row.waitingSeconds ?? 0)}:\n${row.query ?? ''}\n\nBlocked by PID ${row.blockingPid} (${row.blockingState ?? '?'}${row.blockingTransactionSeconds !== null ? `, transaction open ${formatDuration(row.blockingTransactionSeconds)}` : ''}):\n${row.blockingQuery ?? ''}`;
    this.iconPath = new vscode.ThemeIcon('lock');
    this.contextValue = 'blockedQuery';
  }
}

function truncate(text: string | null, max = 80): string {
  const oneLine = (text ?? '').replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
