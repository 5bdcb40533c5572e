import * as vscode from 'vscode';
import { FindingCodeActions } from './code-actions';
import { registerCommands } from './commands';
import { answerConfirmationsForTests } from './confirm';
import { ConnectionManager } from './database/connection-manager';
import { ConnectionStatusBar } from './database/connection-status-bar';
import { StatusController } from './database/status-controller';
import { DiagnosticsController } from './diagnostics';
import { ImpactCodeLensProvider } from './impact/code-lens';
import { ImpactHoverProvider } from './impact/hover';
import { BuildHistoryRecorder } from './monitor/build-history-recorder';
import { LintService } from './lint-service';
import { BuildMonitorPanel } from './monitor/build-monitor-panel';
import { BuildWatcher } from './monitor/build-watcher';
import { BuildStatusBar } from './monitor/status-bar';
import { registerSectionViews } from './tree/section-views';
import { openWalkthroughInSandbox, trackWalkthroughSteps } from './walkthrough';

/** What activate() hands back: the test suite reaches the running extension through it. */
export interface PgIndexGuardApi {
  diagnostics: DiagnosticsController;
  lintService: LintService;
  connections: ConnectionManager;
  status: StatusController;
  views: ReturnType<typeof registerSectionViews>;
  watcher: BuildWatcher;
  panel: BuildMonitorPanel;
  statusBar: BuildStatusBar;
  connectionStatusBar: ConnectionStatusBar;
  /** For the test suite: VS Code refuses modal dialogs in test mode. */
  answerConfirmationsForTests: typeof answerConfirmationsForTests;
}

const MIGRATION_SELECTOR: vscode.DocumentSelector = [
  { language: 'ruby' },
  { language: 'sql' },
  { pattern: '**/*.rb' },
  { pattern: '**/*.sql' },
];

export function activate(context: vscode.ExtensionContext): PgIndexGuardApi {
  const log = vscode.window.createOutputChannel('PG Index Guard', { log: true });
  context.subscriptions.push(log);
  log.info(`PG Index Guard ${context.extension.packageJSON.version} activated`);

  const lintService = new LintService(log);
  const diagnostics = new DiagnosticsController(lintService, log);
  const connections = new ConnectionManager(context, log);
  const status = new StatusController(connections, lintService, log, () => diagnostics.relintAll());
  const watcher = new BuildWatcher(connections, log);
  const buildHistory = new BuildHistoryRecorder(context.globalStorageUri, connections, watcher, log);
  const panel = new BuildMonitorPanel(context.extensionUri, connections, watcher, log, status);
  const statusBar = new BuildStatusBar(watcher);
  const connectionStatusBar = new ConnectionStatusBar(connections);
  // The monitor polls faster than the tree: let a build it sees appear in the tree at once.
  context.subscriptions.push(
    watcher.onDidTick((tick) => {
      const known = status.status?.buildsInProgress.items.length ?? 0;
      if (tick.builds.length !== known) void status.refresh();
    }),
  );
  const views = registerSectionViews(status, connections, (path) => status.findingsOf(path));
  context.subscriptions.push(
    lintService,
    lintService.projectFiles.onDidChange(() => diagnostics.relintAll()),
    diagnostics,
    connections,
    status,
    ...views.disposables,
    vscode.languages.registerCodeActionsProvider(MIGRATION_SELECTOR, new FindingCodeActions(lintService, log), FindingCodeActions.metadata),
    vscode.languages.registerHoverProvider(MIGRATION_SELECTOR, new ImpactHoverProvider(lintService, () => buildHistory.history())),
    registerImpactCodeLens(lintService, diagnostics, buildHistory),
    buildHistory,
    watcher,
    panel,
    statusBar,
    connectionStatusBar,
    ...registerCommands({ context, log, connections, status, panel, watcher, lintService, buildHistory }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void connections.connectRemembered()),
    ...trackWalkthroughSteps(lintService),
  );
  void vscode.commands.executeCommand('setContext', 'pgIndexGuard.connected', false);
  void connections.connectRemembered();
  void markMigrationWorkspace();
  openWalkthroughInSandbox(context.extension.id);
  return { diagnostics, lintService, connections, status, views, watcher, panel, statusBar, connectionStatusBar, answerConfirmationsForTests };
}

/** The summary line at the top of migrations, refreshed whenever a document is linted again. */
function registerImpactCodeLens(lintService: LintService, diagnostics: DiagnosticsController, buildHistory: BuildHistoryRecorder): vscode.Disposable {
  // Relinted documents and newly measured builds both change what the lens says.
  const changed = (listener: (e: unknown) => unknown) => vscode.Disposable.from(diagnostics.onDidPublish(listener), buildHistory.onDidRecord(listener));
  const provider = new ImpactCodeLensProvider(lintService, changed, () => buildHistory.history());
  return vscode.Disposable.from(provider, vscode.languages.registerCodeLensProvider(MIGRATION_SELECTOR, provider));
}

/** Drives the "not a Rails/SQL-migration workspace" welcome view. */
async function markMigrationWorkspace(): Promise<void> {
  if (!vscode.workspace.workspaceFolders?.length) return;
  const found = await vscode.workspace.findFiles('{db/migrate/*.rb,**/migrations/**/*.sql,**/migrate/**/*.sql,db/**/*.sql,**/*.sql}', '**/node_modules/**', 1);
  await vscode.commands.executeCommand('setContext', 'pgIndexGuard.notMigrationWorkspace', found.length === 0);
}

export function deactivate(): void {}
