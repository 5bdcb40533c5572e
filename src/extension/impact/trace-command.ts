// PG Index Guard: Trace Locks of This Migration. A thin adapter: the trace itself is
// src/db/lock-trace.ts; it takes real locks (briefly, rolled back), so it is confirmed like a
// write, and refused on a connection marked production or a Rails production database.
import * as vscode from 'vscode';
import { languageOfPath, parseMigration } from '../../core/lint';
import { traceText } from '../../core/locks/trace';
import { traceLocks, traceStepsOf } from '../../db/lock-trace';
import { askToWrite } from '../database/writes';
import type { ConnectionManager } from '../database/connection-manager';
import type { LintService } from '../lint-service';

export interface TraceDependencies {
  connections: ConnectionManager;
  lintService: LintService;
  log: vscode.LogOutputChannel;
}

/** Traces the migration (the given file or the active editor's); returns the report, or null when not run. */
export async function traceLocksOfMigration(deps: TraceDependencies, uri?: vscode.Uri): Promise<string | null> {
  const document = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
  const language = document ? languageOfPath(document.uri.path) : null;
  if (!document || !language) {
    void vscode.window.showWarningMessage('Open a migration (Rails, SQL, Django or a Node ORM) to trace its locks.');
    return null;
  }
  const candidate = deps.connections.current?.candidate;
  if (!candidate) {
    void vscode.window.showWarningMessage('Connect to a non-production database first: the trace runs the migration there, rolled back.');
    return null;
  }
  if (candidate.production === true || candidate.rails?.environment === 'production') {
    void vscode.window.showWarningMessage(`${candidate.label} is a production database: a lock trace takes real locks, so it only runs on a copy (a staging or development database).`);
    return null;
  }
  const parsers = await deps.lintService.loadParsers([language]);
  const path = vscode.workspace.asRelativePath(document.uri, false);
  const file = parseMigration(document.uri.fsPath, document.getText(), language, parsers);
  if (!file) {
    void vscode.window.showWarningMessage(`${path} could not be read as a migration.`);
    return null;
  }
  const steps = traceStepsOf(file, parsers.sql, path);
  const statements = steps.filter((s) => s.sql !== null).map((s) => `${s.sql};`);
  if (statements.length === 0) {
    void vscode.window.showInformationMessage(`${path} has no index statement to trace.`);
    return null;
  }
  const confirmed = await askToWrite(deps.connections, {
    question: `Trace the locks of ${path}?`,
    sql: statements.join('\n'),
    note: 'Runs in a transaction that is always rolled back, with lock_timeout 2s (CONCURRENTLY traced without it): the tables are locked briefly; nothing is kept.',
    button: 'Trace Locks',
  });
  if (!confirmed) return null;
  try {
    const comparisons = await traceLocks(deps.connections.writeConfigs(), steps);
    const report = traceText(comparisons, path, `${candidate.config.database} (${candidate.label})`);
    for (const line of report.trimEnd().split('\n')) deps.log.info(line);
    deps.log.show(true);
    return report;
  } catch (error) {
    void vscode.window.showErrorMessage(`Lock trace failed: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}
