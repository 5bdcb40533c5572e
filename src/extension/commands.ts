// The commands table: every command the extension contributes, in one place.
import * as vscode from 'vscode';
import { describeConnectionError } from '../db/errors';
import { withWriteConnection } from '../db/write-connection';
import { confirmWrite } from './confirm';
import { dropInvalidIndex } from './database/drop-invalid-index';
import type { ConnectionManager } from './database/connection-manager';
import type { StatusController } from './database/status-controller';
import { ruleDocsUri } from './diagnostics';
import { SHOW_RULE_DOCS_COMMAND } from './code-actions';
import { createPendingIndexes, markAsRun } from './builder-commands';
import type { LintService } from './lint-service';
import type { BuildMonitorPanel } from './monitor/build-monitor-panel';
import { BuildNode, InvalidIndexNode } from './tree/nodes';
import { copyTableName, openTableDefinition } from './tree/table-commands';
import { markWalkthroughStep } from './walkthrough';

export interface CommandDependencies {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  connections: ConnectionManager;
  status: StatusController;
  panel: BuildMonitorPanel;
  lintService: LintService;
}

/** A modal confirmation naming the database and the exact statement. */
async function askToWrite(deps: CommandDependencies, question: string, sql: string, button: string): Promise<boolean> {
  const current = deps.connections.current;
  if (!current) {
    void vscode.window.showWarningMessage('Connect to a database first.');
    return false;
  }
  const { config } = current.candidate;
  return confirmWrite({
    question,
    detail: `Database ${config.database} on ${config.host}:${config.port} as ${config.user}:\n\n${sql}`,
    button,
  });
}

/**
 * Runs SQL that writes, after asking, on a separate short-lived connection (the monitoring
 * session is read-only).
 */
async function confirmAndWrite(deps: CommandDependencies, question: string, sql: string, button: string): Promise<boolean> {
  if (!(await askToWrite(deps, question, sql, button))) return false;
  try {
    deps.log.info(`running on ${deps.connections.current?.candidate.config.database}: ${sql}`);
    await withWriteConnection(deps.connections.writeConfigs(), (client) => client.query(sql));
    void deps.status.refresh();
    return true;
  } catch (error) {
    const description = describeConnectionError(error);
    deps.log.error(`${sql} failed: ${description.title} ${description.detail}`);
    void vscode.window.showErrorMessage(`${description.title} ${description.advice}`);
    return false;
  }
}

/** Asks, then drops through the one shared path (which refuses a valid index or one still building). */
async function confirmAndDrop(deps: CommandDependencies, question: string, schema: string, index: string, sql: string): Promise<boolean> {
  if (!(await askToWrite(deps, question, sql, 'Drop Concurrently'))) return false;
  const dropped = await dropInvalidIndex(deps.connections, deps.log, schema, index);
  void deps.status.refresh();
  return dropped;
}

export function registerCommands(deps: CommandDependencies): vscode.Disposable[] {
  const { context, connections, status, log } = deps;
  const table: Record<string, (...args: any[]) => unknown> = {
    'pgIndexGuard.connect': () => connections.pickAndConnect(),
    'pgIndexGuard.disconnect': () => connections.disconnect(),
    'pgIndexGuard.refresh': () => status.refresh(),
    'pgIndexGuard.forgetPasswords': () => connections.forgetPasswords(),
    'pgIndexGuard.showLog': () => log.show(),
    'pgIndexGuard.openBuildMonitor': () => {
      markWalkthroughStep('monitorOpened');
      deps.panel.show();
    },
    'pgIndexGuard.createPendingIndexes': (clicked?: unknown, all?: unknown[]) => createPendingIndexes(deps, clicked, all),
    'pgIndexGuard.markMigrationAsRun': (node: unknown) => markAsRun(deps, node),
    'pgIndexGuard.copyTableName': (node: unknown) => copyTableName(node),
    'pgIndexGuard.openTableDefinition': (node: unknown) => openTableDefinition(connections, node),
    'pgIndexGuard.dropInvalidIndex': (node: unknown) => {
      if (!(node instanceof InvalidIndexNode)) return;
      return confirmAndDrop(deps, `Drop the invalid index ${node.index.index}?`, node.index.schema, node.index.index, node.index.dropSql);
    },
    'pgIndexGuard.reindexInvalidIndex': (node: unknown) => {
      if (!(node instanceof InvalidIndexNode)) return;
      return confirmAndWrite(deps, `Rebuild the invalid index ${node.index.index}?`, node.index.reindexSql, 'Reindex Concurrently');
    },
    // From the invalid-index-exists quick fix: the index by name (and table), as the database lists it.
    'pgIndexGuard.dropInvalidIndexNamed': async (target: { table?: string | null; name?: string | null } | undefined) => {
      await status.refresh();
      const invalid = status.status?.invalidIndexes.items.find(
        (i) => (target?.name == null || i.index === target.name) && (target?.table == null || i.table === target.table.replace(/^.*\./, '')),
      );
      if (!invalid) {
        void vscode.window.showInformationMessage('The database has no such INVALID index (any more).');
        return false;
      }
      return confirmAndDrop(deps, `Drop the invalid index ${invalid.index}, then run the migration again?`, invalid.schema, invalid.index, invalid.dropSql);
    },
    'pgIndexGuard.cancelBuild': (node: unknown) => {
      if (!(node instanceof BuildNode)) return;
      return deps.panel.cancel(node.build.pid);
    },
    [SHOW_RULE_DOCS_COMMAND]: async (ruleId: unknown) => {
      if (typeof ruleId !== 'string') return;
      await vscode.commands.executeCommand('markdown.showPreview', ruleDocsUri(context.extensionUri, ruleId));
    },
  };
  return Object.entries(table).map(([id, handler]) => vscode.commands.registerCommand(id, handler));
}
