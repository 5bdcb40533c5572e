// "Create pending indexes" and "Mark migration as run": the extension's side of the safe
// builder. Both write, so both ask first, naming the database.
import * as vscode from 'vscode';
import { parseDuration } from '../core/parsers/sql/operations';
import { createIndexConcurrentlySql, type IndexDefinition } from '../db/builder/index-definition';
import { markMigrationAsRun } from '../db/builder/mark-as-run';
import { gatherIndexDefinitions } from '../db/builder/pending';
import { buildStepText, buildSummaryText } from '../db/builder/progress-text';
import { buildIndexesSafely, displayName, type SafeBuildResult } from '../db/builder/safe-builder';
import { estimateIndexBytes } from '../db/builder/size-estimate';
import { describeConnectionError } from '../db/errors';
import type { PendingMigration } from '../db/status';
import { formatBytes } from '../db/status-format';
import { confirmWrite } from './confirm';
import type { ConnectionManager } from './database/connection-manager';
import type { StatusController } from './database/status-controller';
import { askToWrite, runWrite } from './database/writes';
import type { LintService } from './lint-service';
import type { BuildMonitorPanel } from './monitor/build-monitor-panel';
import type { BuildHistoryRecorder } from './monitor/build-history-recorder';
import type { BuildWatcher } from './monitor/build-watcher';
import { SECTION } from './settings';
import { IndexOperationNode, MissingIndexNode, PendingMigrationNode } from './tree/nodes';

export interface BuilderDependencies {
  log: vscode.LogOutputChannel;
  connections: ConnectionManager;
  status: StatusController;
  lintService: LintService;
  panel: BuildMonitorPanel;
  watcher: BuildWatcher;
  buildHistory: BuildHistoryRecorder;
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

/** `messages (8), conversations (3), contacts (2) and 1 more table` */
function tablesSummary(tables: Map<string, number>): string {
  const sorted = [...tables].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = sorted.slice(0, 4).map(([table, n]) => `${displayName(table)} (${n})`);
  const rest = sorted.length - shown.length;
  return `${shown.join(', ')}${rest > 0 ? ` and ${rest} more table${rest === 1 ? '' : 's'}` : ''}`;
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
  // Estimates only inform the question: a failure leaves them out.
  const sizes = await Promise.all(definitions.map((def) => estimateIndexBytes(current.session, def).catch(() => null)));
  const knownSizes = sizes.filter((b): b is number => b !== null);
  const totalBytes = knownSizes.reduce((a, b) => a + b, 0);
  const tables = new Map<string, number>();
  for (const def of definitions) {
    const table = def.schema ? `${def.schema}.${def.table}` : def.table;
    tables.set(table, (tables.get(table) ?? 0) + 1);
  }
  const selectedFiles = new Set(definitions.map((d) => (d.origin.kind === 'migration' ? d.origin.relativePath : null)));
  const failWhenRun = gathered.failWhenRun.filter((m) => selectedFiles.has(m.relativePath));

  const config = vscode.workspace.getConfiguration(SECTION);
  const lockTimeoutMs = durationSetting('builder.lockTimeout', 5_000);
  const statementTimeoutMs = durationSetting('builder.statementTimeout', 0);
  const maxDurationMinutes = config.get<number>('builder.maxDurationMinutes') ?? 0;
  const maxActive = config.get<number>('builder.maxActiveConnections') ?? 0;
  const { database, host, port, user } = current.candidate.config;
  const several = definitions.length > 1;
  const sizeText = knownSizes.length === 0 ? '' : `about ${formatBytes(totalBytes)}${several ? ' in all' : ''} (estimated from row counts and column widths)`;
  const detail = [
    several
      ? `${definitions.length} indexes on ${tables.size === 1 ? 'one table' : `${tables.size} tables`}: ${tablesSummary(tables)}${sizeText ? `; ${sizeText}` : ''}.`
      : `${statements[0]}${sizeText ? `\n${sizeText[0]!.toUpperCase()}${sizeText.slice(1)}.` : ''}`,
    `As ${user}, one at a time, with lock_timeout ${lockTimeoutMs / 1000}s` +
      `${statementTimeoutMs ? ` and statement_timeout ${statementTimeoutMs / 1000}s` : ''}; an INVALID leftover is dropped and rebuilt once.`,
    ...(failWhenRun.length > 0
      ? [
          `Warning: ${failWhenRun.length === 1 ? `${failWhenRun[0]!.relativePath} has` : `${failWhenRun.length} migrations (${failWhenRun.map((m) => m.version).slice(0, 3).join(', ')}${failWhenRun.length > 3 ? ', …' : ''}) have`} ` +
            `no if_not_exists: once the indexes are built, rails db:migrate fails on ${failWhenRun.length === 1 ? 'it' : 'them'} ("relation already exists"). ` +
            `Add if_not_exists: true, or Mark Migration as Run after the build.`,
        ]
      : []),
    ...(several ? [`"Review ${definitions.length} Indexes…" lists each one with its SQL (also written to the PG Index Guard log).`] : []),
  ].join('\n\n');
  if (several) deps.log.info(`Create Pending Indexes on ${database} asks about ${definitions.length} indexes:\n${statements.join('\n')}`);
  const confirmed = await confirmWrite({
    question: `Build ${several ? `these ${definitions.length} indexes` : 'this index'} on ${database} (${host}:${port}) now?`,
    detail,
    button: several ? `Build ${definitions.length} Indexes` : 'Build Index',
    // Several indexes: Enter reviews the list instead of building them all.
    ...(several
      ? {
          review: {
            button: `Review ${definitions.length} Indexes…`,
            show: () =>
              vscode.window.showQuickPick(
                definitions.map((def, i) => ({
                  label: displayName(def.name),
                  description: `on ${displayName(def.table)}${sizes[i] != null ? ` · ~${formatBytes(sizes[i]!)}` : ''}`,
                  detail: statements[i],
                })),
                { title: `The ${definitions.length} indexes to build on ${database}`, placeHolder: 'Escape returns to the question', matchOnDescription: true, matchOnDetail: true },
              ),
          },
        }
      : {}),
  });
  if (!confirmed) return null;
  deps.panel.show();
  // The monitor's ticks give the running build's percent; watch while the run lasts.
  const watch = deps.watcher.watch();
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Building indexes on ${database}`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      let step: { text: string; index: string | null } = { text: 'Starting', index: null };
      let shown = '';
      const show = () => {
        const build = step.index === null ? undefined : deps.watcher.last?.builds.find((b) => b.index === step.index);
        const line = `${step.text}${build ? ` · ${Math.floor(build.overallPercent)}%${build.waitingOn ? ` · waiting for PID ${build.waitingOn.pid}` : ''}` : ''}`;
        if (line !== shown) progress.report({ message: (shown = line) });
      };
      const ticks = deps.watcher.onDidTick(show);
      try {
        return await buildIndexesSafely({
          connection: deps.connections.writeConfigs(),
          definitions,
          parser: parsers.sql,
          lockTimeoutMs,
          statementTimeoutMs,
          maxDurationMs: maxDurationMinutes > 0 ? maxDurationMinutes * 60_000 : null,
          maxActiveConnections: maxActive > 0 ? maxActive : null,
          logger: { info: (m) => deps.log.info(m), warn: (m) => deps.log.warn(m), error: (m) => deps.log.error(m) },
          onProgress: (event) => {
            const text = buildStepText(event);
            if (text === null) return;
            step = { text, index: event.index };
            show();
          },
          signal: controller.signal,
        });
      } catch (error) {
        const description = describeConnectionError(error);
        void vscode.window.showErrorMessage(`${description.title} ${description.advice}`);
        return null;
      } finally {
        ticks.dispose();
      }
    },
  );
  watch?.dispose();
  if (result) deps.buildHistory.recordBuilderResult(result);
  await deps.status.refreshAfterWrite();
  void deps.watcher.poll();
  if (!result) return null;
  const show = result.outcome === 'done' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
  const summary = buildSummaryText(result.results);
  void show(`${summary}${result.outcome === 'done' ? '' : ` ${result.message}`}`, 'Show Log').then((choice) => choice && deps.log.show());
  return result;
}

export async function markAsRun(deps: BuilderDependencies, migration: PendingMigration): Promise<boolean> {
  const current = deps.connections.current;
  if (!current) return false;
  const { version, relativePath } = migration;
  const { database } = current.candidate.config;
  const confirmed = await askToWrite(deps.connections, {
    question: `Mark ${relativePath} as run on ${database}?`,
    sql: `INSERT INTO schema_migrations (version) VALUES ('${version}') ON CONFLICT DO NOTHING;`,
    note: 'rails db:migrate then skips it. Its indexes then show as missing (when db/schema.rb declares them), to build later with "Create Pending Indexes".',
    button: 'Mark as Run',
  });
  if (!confirmed) return false;
  const result = await runWrite(deps, `Marking ${version} as run`, (client) => markMigrationAsRun(client, version));
  if (!result) return false;
  deps.log.info(`schema_migrations ${version}: ${result.value.inserted ? 'inserted' : 'already there'}`);
  void vscode.window.showInformationMessage(
    result.value.inserted
      ? `Marked ${relativePath} as run on ${database}: version ${version} is in schema_migrations, rails db:migrate skips it.`
      : `${relativePath} was already marked as run on ${database} (version ${version} is in schema_migrations).`,
  );
  return true;
}
