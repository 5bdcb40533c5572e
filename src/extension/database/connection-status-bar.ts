import * as vscode from 'vscode';
import { connectionEnvironment } from '../../db/connection-environment';
import type { ConnectionManager } from './connection-manager';

/**
 * Where the window is connected: `$(database) chat_production · db1 · production`, on a warning
 * background for production, and the state while it connects or is lost. Clicking connects or
 * switches (the picker).
 */
export class ConnectionStatusBar implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('pgIndexGuard.connection', vscode.StatusBarAlignment.Left, 51);
  private readonly subscription: vscode.Disposable;

  constructor(private readonly connections: ConnectionManager) {
    this.item.name = 'PG Index Guard: database connection';
    this.item.command = { command: 'pgIndexGuard.connect', title: 'Connect to Database…' };
    this.subscription = connections.onDidChangeState(() => this.update());
    this.update();
    this.item.show();
  }

  private update(): void {
    const state = this.connections.state;
    const current = this.connections.current;
    const item = this.item;
    if (!current || state === 'none') {
      item.text = '$(database) Not connected';
      item.tooltip = 'PG Index Guard is not connected to a database. Click to connect.';
      item.backgroundColor = undefined;
      item.accessibilityInformation = { label: 'PG Index Guard: not connected. Connect to a database.' };
      return;
    }
    const { config, origin } = current.candidate;
    const environment = connectionEnvironment(current.candidate);
    // A host name's first label is enough to tell servers apart; the tooltip has it all.
    const host = /^[\d.:]+$|^\[/.test(config.host) || config.host.startsWith('/') ? config.host : config.host.split('.')[0]!;
    const where = [config.database, host, environment.name].filter(Boolean).join(' · ');
    const lost = state === 'disconnected' || state === 'closed';
    const stateText = state === 'connected' ? 'connected' : lost ? 'connection lost, reconnecting…' : 'connecting…';
    if (state === 'connected') item.text = `$(database) ${where}`;
    else if (lost) item.text = `$(debug-disconnect) ${where} (reconnecting…)`;
    else item.text = `$(sync~spin) ${where} (connecting…)`;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**${environment.production ? '$(warning) Production database' : 'Database'}** — ${stateText}\n\n`);
    tooltip.appendMarkdown(`| | |\n|---|---|\n`);
    for (const [label, value] of [
      ['database', config.database],
      ['host', `${config.host}:${config.port}`],
      ['user', config.user],
      ['environment', environment.name ?? 'not known'],
      ['found in', origin],
    ] as const) {
      tooltip.appendMarkdown(`| ${label} | `);
      tooltip.appendText(value);
      tooltip.appendMarkdown(` |\n`);
    }
    const failure = lost ? this.connections.lastFailure : null;
    if (failure) tooltip.appendMarkdown('\n\n').appendText(`${failure.title} ${failure.advice}`);
    tooltip.appendMarkdown('\n\nThe monitoring session is read-only. Click to switch databases.');
    item.tooltip = tooltip;
    item.backgroundColor =
      lost
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : environment.production
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    item.accessibilityInformation = { label: `PG Index Guard: ${environment.production ? 'production database ' : ''}${where}, ${stateText}. Switch databases.` };
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
