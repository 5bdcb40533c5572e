// The commands table: every command the extension contributes, in one place.
import * as vscode from 'vscode';
import type { BuildInProgress, PendingMigration } from '../db/status';
import { confirmAndDropInvalidIndex } from './database/drop-invalid-index';
import { askToWrite, runWrite, type WriteQuestion } from './database/writes';
import type { ConnectionManager } from './database/connection-manager';
import type { StatusController } from './database/status-controller';
import { ruleDocsUri, SHOW_RULE_DOCS_COMMAND } from './diagnostics';
import { formatDuration } from '../db/status-format';
import { createPendingIndexes, markAsRun } from './builder-commands';
import type { LintService } from './lint-service';
import { traceLocksOfMigration } from './impact/trace-command';
import type { BuildMonitorPanel } from './monitor/build-monitor-panel';
import type { BuildHistoryRecorder } from './monitor/build-history-recorder';
import type { BuildWatcher } from './monitor/build-watcher';
import { BlockedQueryNode, BuildNode, InvalidIndexNode, PendingMigrationNode } from './tree/nodes';
import { copyTableName, openTableDefinition } from './tree/table-commands';
import { markWalkthroughStep } from './walkthrough';

export interface CommandDependencies {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  connections: ConnectionManager;
  status: StatusController;
  panel: BuildMonitorPanel;
  watcher: BuildWatcher;
  lintService: LintService;
  buildHistory: BuildHistoryRecorder;
}

/** Asks (the SQL shown), then runs it with progress; the views refresh when it ends. */
async function confirmAndRun(deps: CommandDependencies, title: string, question: WriteQuestion): Promise<boolean> {
  if (!(await askToWrite(deps.connections, question))) return false;
  deps.log.info(`running on ${deps.connections.current?.candidate.config.database}: ${question.sql}`);
  return (await runWrite(deps, title, (client) => client.query(question.sql))) !== null;
}

/** The tree's selection, or a pick among what the status lists (from the command palette). */
async function pickIfMissing<T>(node: unknown, accept: (node: unknown) => T | null, items: () => { label: string; description?: string; detail?: string; value: T }[], placeHolder: string, none: string): Promise<T | null> {
  const given = accept(node);
  if (given !== null) return given;
  const choices = items();
  if (choices.length === 0) {
    void vscode.window.showInformationMessage(none);
    return null;
  }
  return (await vscode.window.showQuickPick(choices, { placeHolder, matchOnDescription: true }))?.value ?? null;
}

export function registerCommands(deps: CommandDependencies): vscode.Disposable[] {
  const { context, connections, status, log } = deps;
  const table: Record<string, (...args: any[]) => unknown> = {
    'pgIndexGuard.connect': () => connections.pickAndConnect(),
    'pgIndexGuard.disconnect': () => connections.disconnect(),
    'pgIndexGuard.refresh': () => status.refresh({ rereadFacts: true }),
    'pgIndexGuard.forgetPasswords': () => connections.forgetPasswords(),
    'pgIndexGuard.showLog': () => log.show(),
    'pgIndexGuard.openBuildMonitor': () => {
      markWalkthroughStep('monitorOpened');
      deps.panel.show();
    },
    'pgIndexGuard.createPendingIndexes': (clicked?: unknown, all?: unknown[]) => createPendingIndexes(deps, clicked, all),
    'pgIndexGuard.traceLocks': (uri?: unknown) => traceLocksOfMigration(deps, uri instanceof vscode.Uri ? uri : undefined),
    'pgIndexGuard.markMigrationAsRun': async (node: unknown) => {
      await status.refresh();
      const migration = await pickIfMissing<PendingMigration>(
        node,
        (n) => (n instanceof PendingMigrationNode ? n.migration : null),
        () => (status.status?.pendingMigrations.items ?? []).map((m) => ({ label: m.relativePath.split('/').pop() ?? m.relativePath, description: m.relativePath, value: m })),
        'The pending migration to mark as run',
        'No pending migrations.',
      );
      return migration ? markAsRun(deps, migration) : false;
    },
    'pgIndexGuard.copyTableName': (node: unknown) => copyTableName(node),
    'pgIndexGuard.openTableDefinition': (node: unknown) => openTableDefinition(connections, node),
    'pgIndexGuard.dropInvalidIndex': (node: unknown) => {
      if (!(node instanceof InvalidIndexNode)) return;
      return confirmAndDropInvalidIndex(deps, node.index.schema, node.index.index);
    },
    'pgIndexGuard.reindexInvalidIndex': (node: unknown) => {
      if (!(node instanceof InvalidIndexNode)) return;
      return confirmAndRun(deps, `Rebuilding ${node.index.index}`, { question: `Rebuild the invalid index ${node.index.schema}.${node.index.index}?`, sql: node.index.reindexSql, button: 'Reindex Concurrently' });
    },
    // From the invalid-index-exists quick fix: the index the finding is about, as the database lists it.
    'pgIndexGuard.dropInvalidIndexNamed': async (target: { schema?: string | null; table?: string | null; name?: string | null } | undefined) => {
      await status.refreshAfterWrite();
      const invalid = status.status?.invalidIndexes.items.find(
        (i) =>
          (target?.name == null || i.index === target.name) &&
          (target?.schema == null || i.schema === target.schema) &&
          (target?.table == null || i.table === target.table.replace(/^.*\./, '')),
      );
      if (!invalid) {
        void vscode.window.showInformationMessage('The database has no such INVALID index (any more).');
        return false;
      }
      return confirmAndDropInvalidIndex(deps, invalid.schema, invalid.index, `Drop the INVALID index ${invalid.schema}.${invalid.index}, then run the migration again?`);
    },
    'pgIndexGuard.cancelBuild': async (node: unknown) => {
      await status.refresh();
      const build = await pickIfMissing<BuildInProgress>(
        node,
        (n) => (n instanceof BuildNode ? n.build : null),
        () =>
          (status.status?.buildsInProgress.items ?? []).map((b) => ({
            label: b.hidden ? `an index build (PID ${b.pid})` : `${b.index ?? '(new index)'} on ${b.table ?? '?'}`,
            description: `${b.command} · ${b.phase}`,
            value: b,
          })),
        'The index build to cancel',
        'No index build is running.',
      );
      return build ? deps.panel.cancel(build.pid) : false;
    },
    'pgIndexGuard.terminateBlocker': (node: unknown) => {
      if (!(node instanceof BlockedQueryNode)) return;
      const { row } = node;
      const held = row.blockingTransactionSeconds !== null ? `, its transaction open for ${formatDuration(row.blockingTransactionSeconds)}` : '';
      return confirmAndRun(deps, `Terminating PID ${row.blockingPid}`, {
        question: `Terminate PID ${row.blockingPid}, which blocks PID ${row.pid}?`,
        sql: `SELECT pg_terminate_backend(${Number(row.blockingPid)});`,
        note:
          `PID ${row.blockingPid} (${row.blockingUser ?? '?'}, ${row.blockingApplicationName || 'no application name'}, ${row.blockingState ?? '?'}${held}): ${oneLine(row.blockingQuery)}\n` +
          'Its connection is closed and its open transaction rolled back; the application sees the error.',
        button: 'Terminate Session',
        declineButton: 'Keep Session',
      });
    },
    [SHOW_RULE_DOCS_COMMAND]: async (ruleId: unknown) => {
      if (typeof ruleId !== 'string') return;
      await vscode.commands.executeCommand('markdown.showPreview', ruleDocsUri(context.extensionUri, ruleId));
    },
  };
  return Object.entries(table).map(([id, handler]) => vscode.commands.registerCommand(id, handler));
}

function oneLine(text: string | null, max = 120): string {
  const line = (text ?? '').replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line || '(no query)';
}
