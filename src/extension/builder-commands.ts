// "Create pending indexes" and "Mark migration as run": the extension's side of the safe
// builder. Both write, so both ask first, naming the database.
import * as vscode from 'vscode';
import { parseDuration } from '../core/parsers/sql/operations';
import { createIndexConcurrentlySql, type IndexDefinition } from '../db/builder/index-definition';
import { markMigrationAsRun } from '../db/builder/mark-as-run';
import { gatherIndexDefinitions } from '../db/builder/pending';
import { buildIndexesSafely, displayName, type SafeBuildResult } from '../db/builder/safe-builder';
import { describeConnectionError } from '../db/errors';
import { withWriteConnection } from '../db/write-connection';
import { confirmWrite } from './confirm';
import type { ConnectionManager } from './database/connection-manager';
import type { StatusController } from './database/status-controller';
import type { LintService } from './lint-service';
import type { BuildMonitorPanel } from './monitor/build-monitor-panel';
import { SECTION } from './settings';
import { IndexOperationNode, MissingIndexNode, PendingMigrationNode } from './tree/nodes';

export interface BuilderDependencies {
  log: vscode.LogOutputChannel;
  connections: ConnectionManager;
  status: StatusController;
  lintService: LintService;
  panel: BuildMonitorPanel;
}

/** Which definitions a tree selection stands for; no selection means all. */
function selected(definitions: IndexDefinition[], nodes: unknown[]): IndexDefinition[] {
  if (nodes.length === 0) return definitions;
  return definitions.filter((def) =>
    nodes.some((node) => {
      if (node instanceof PendingMigrationNode) return def.origin.kind === 'migration' && def.origin.file === node.migration.path;
      if (node instanceof IndexOperationNode) {
        return def.origin.kind === 'migration' && def.origin.file === node.migration.path && def.origin.line === node.operation.line;
      }
      if (node instanceof MissingIndexNode) return def.name === node.index.name && def.table === node.index.table;
      return false;
    }),
  );
}

function durationSetting(key: string, fallback: number): number {
  const text = vscode.workspace.getConfiguration(SECTION).get<string>(key);
  const ms = typeof text === 'string' ? parseDuration(text) : null;
  return ms ?? fallback;
}

export async function createPendingIndexes(deps: BuilderDependencies, clicked?: unknown, all?: unknown[]): Promise<SafeBuildResult | null> {
  const current = deps.connections.current;
  const root = deps.connections.workspaceRoot();
  if (!current || deps.connections.state !== 'connected' || !root) {
    void vscode.window.showWarningMessage('Connect to the app\'s database first (PG Index Guard: Connect to Database…).');
    return null;
  }
  await deps.status.refresh();
  const status = deps.status.status;
  if (!status) return null;
  const parsers = await deps.lintService.loadParsers();
  const gathered = gatherIndexDefinitions({ status, workspaceRoot: root, parsers });
  const nodes = Array.isArray(all) && all.length > 0 ? all : clicked !== undefined ? [clicked] : [];
  const definitions = selected(gathered.definitions, nodes);
  for (const warning of gathered.warnings) deps.log.warn(warning);
  for (const problem of gathered.unreadable) deps.log.error(`${problem}: its indexes are not known, and not built`);
  if (definitions.length === 0) {
    if (gathered.unreadable.length > 0) {
      void vscode.window.showWarningMessage(`Nothing else to build, but ${gathered.unreadable.length === 1 ? 'a file' : `${gathered.unreadable.length} files`} could not be read: ${gathered.unreadable[0]}`);
    } else {
      void vscode.window.showInformationMessage('Nothing to build: no pending or missing index matches.');
    }
    return null;
  }
  const statements: string[] = [];
  for (const def of definitions) {
    try {
      statements.push(createIndexConcurrentlySql(def, parsers.sql));
    } catch (error) {
      statements.push(`-- ${displayName(def.name)} refused: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const config = vscode.workspace.getConfiguration(SECTION);
  const lockTimeoutMs = durationSetting('builder.lockTimeout', 5_000);
  const statementTimeoutMs = durationSetting('builder.statementTimeout', 0);
  const maxDurationMinutes = config.get<number>('builder.maxDurationMinutes') ?? 0;
  const maxActive = config.get<number>('builder.maxActiveConnections') ?? 0;
  const { database, host, port, user } = current.candidate.config;
  const button = definitions.length === 1 ? 'Build Index' : `Build ${definitions.length} Indexes`;
  const confirmed = await confirmWrite({
    question: `Build ${definitions.length === 1 ? 'this index' : `these ${definitions.length} indexes`} on ${database} (${host}:${port}) now?`,
    detail:
      `As ${user}, one at a time, with lock_timeout ${lockTimeoutMs / 1000}s` +
      `${statementTimeoutMs ? ` and statement_timeout ${statementTimeoutMs / 1000}s` : ''}; an INVALID leftover is dropped and rebuilt once.\n\n` +
      statements.join('\n\n'),
    button,
  });
  if (!confirmed) return null;
  deps.panel.show();
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Building indexes on ${database}`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      return buildIndexesSafely({
        connection: deps.connections.writeConfigs(),
        definitions,
        parser: parsers.sql,
        lockTimeoutMs,
        statementTimeoutMs,
        maxDurationMs: maxDurationMinutes > 0 ? maxDurationMinutes * 60_000 : null,
        maxActiveConnections: maxActive > 0 ? maxActive : null,
        logger: { info: (m) => deps.log.info(m), warn: (m) => deps.log.warn(m), error: (m) => deps.log.error(m) },
        onProgress: (event) => progress.report({ message: `${event.position}/${event.total} ${event.message}` }),
        signal: controller.signal,
      }).catch((error: unknown) => {
        const description = describeConnectionError(error);
        void vscode.window.showErrorMessage(`${description.title} ${description.advice}`);
        return null;
      });
    },
  );
  void deps.status.refresh();
  if (!result) return null;
  const failed = result.results.filter((r) => r.status === 'failed');
  const show = result.outcome === 'done' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
  void show(`${result.message}${failed.length ? ` Failed: ${failed.map((f) => `${displayName(f.index)} (${f.reason ?? f.failure})`).join(', ')}.` : ''}`, 'Show Log').then(
    (choice) => choice && deps.log.show(),
  );
  return result;
}

export async function markAsRun(deps: BuilderDependencies, node: unknown): Promise<boolean> {
  if (!(node instanceof PendingMigrationNode)) return false;
  const current = deps.connections.current;
  if (!current) return false;
  const { version, relativePath } = node.migration;
  const { database, host } = current.candidate.config;
  const button = 'Mark as Run';
  const confirmed = await confirmWrite({
    question: `Mark ${relativePath} as run on ${database} (${host})?`,
    detail: `Inserts version ${version} into schema_migrations, so rails db:migrate skips it. Its indexes then show as missing (when db/schema.rb declares them), to build later with "Create Pending Indexes".`,
    button,
  });
  if (!confirmed) return false;
  try {
    const result = await withWriteConnection(deps.connections.writeConfigs(), (client) => markMigrationAsRun(client, version));
    deps.log.info(`schema_migrations ${version}: ${result.inserted ? 'inserted' : 'already there'}`);
    void deps.status.refresh();
    return true;
  } catch (error) {
    const description = describeConnectionError(error);
    void vscode.window.showErrorMessage(error instanceof Error && !('description' in error) ? error.message : `${description.title} ${description.advice}`);
    return false;
  }
}
