import * as vscode from 'vscode';
import { FindingCodeActions } from './code-actions';
import { registerCommands } from './commands';
import { ConnectionManager } from './database/connection-manager';
import { StatusController } from './database/status-controller';
import { DiagnosticsController } from './diagnostics';
import { LintService } from './lint-service';
import { registerSectionViews } from './tree/section-views';

/** What activate() hands back: the test suite reaches the running extension through it. */
export interface PgIndexGuardApi {
  diagnostics: DiagnosticsController;
  lintService: LintService;
  connections: ConnectionManager;
  status: StatusController;
  views: ReturnType<typeof registerSectionViews>;
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
  const diagnostics = new DiagnosticsController(lintService, context.extensionUri, log);
  const connections = new ConnectionManager(context, log);
  const status = new StatusController(connections, lintService, log, () => diagnostics.relintAll());
  const views = registerSectionViews(status, connections, (path) => status.findingsOf(path));
  context.subscriptions.push(
    lintService,
    lintService.projectFiles.onDidChange(() => diagnostics.relintAll()),
    diagnostics,
    connections,
    status,
    ...views.disposables,
    vscode.languages.registerCodeActionsProvider(MIGRATION_SELECTOR, new FindingCodeActions(lintService), FindingCodeActions.metadata),
    ...registerCommands({ context, log, connections, status, openBuildMonitor: () => vscode.commands.executeCommand('pgIndexGuard.builds.focus') }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void connections.connectRemembered()),
  );
  void vscode.commands.executeCommand('setContext', 'pgIndexGuard.connected', false);
  void connections.connectRemembered();
  void markMigrationWorkspace();
  return { diagnostics, lintService, connections, status, views };
}

/** Drives the "not a Rails/SQL-migration workspace" welcome view. */
async function markMigrationWorkspace(): Promise<void> {
  if (!vscode.workspace.workspaceFolders?.length) return;
  const found = await vscode.workspace.findFiles('{db/migrate/*.rb,**/migrations/**/*.sql,**/migrate/**/*.sql,db/**/*.sql,**/*.sql}', '**/node_modules/**', 1);
  await vscode.commands.executeCommand('setContext', 'pgIndexGuard.notMigrationWorkspace', found.length === 0);
}

export function deactivate(): void {}
