import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { describeConnectionError } from '../../db/errors';
import { cancelBuild } from '../../db/progress/cancel';
import { withWriteConnection } from '../../db/write-connection';
import { isWebviewToHost, renderPanelHtml, type HostToWebview } from '../../shared/messages';
import type { ConnectionManager } from '../database/connection-manager';
import { confirmAndDropInvalidIndex } from '../database/drop-invalid-index';
import type { StatusController } from '../database/status-controller';
import { askToWrite } from '../database/writes';
import type { BuildWatcher } from './build-watcher';

/**
 * The build monitor webview: strict CSP with a nonce, no retained context (the webview keeps
 * its state with setState), polling only while it is visible.
 */
export class BuildMonitorPanel implements vscode.Disposable {
  static readonly viewType = 'pgIndexGuard.buildMonitor';
  private panel: vscode.WebviewPanel | null = null;
  private watch: { dispose(): void } | null = null;
  private readonly panelSubscriptions: vscode.Disposable[] = [];
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly connections: ConnectionManager,
    private readonly watcher: BuildWatcher,
    private readonly log: vscode.LogOutputChannel,
    private readonly status: StatusController,
  ) {
    this.subscriptions.push(
      watcher.onDidTick((tick) => this.post({ type: 'builds', builds: tick.builds, recent: tick.recent, at: tick.at })),
      watcher.onDidFinish((finished) => {
        if (finished.outcome === 'cancelled' && finished.leftover) {
          const { schema, index } = finished.leftover;
          void this.offerDrop(schema, index, `The cancelled build left ${schema}.${index} INVALID. Drop it concurrently?`);
        }
      }),
      connections.onDidChangeState(() => {
        this.postConnection();
        this.updateWatch();
      }),
    );
  }

  get isOpen(): boolean {
    return this.panel !== null;
  }

  show(): void {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(BuildMonitorPanel.viewType, 'Index Builds', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icon.svg');
    const webview = panel.webview;
    webview.html = renderPanelHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(18).toString('base64url'),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'monitor.css')).toString(),
    });
    this.panel = panel;
    this.panelSubscriptions.push(
      webview.onDidReceiveMessage((message: unknown) => void this.receive(message)),
      panel.onDidChangeViewState(() => this.updateWatch()),
      panel.onDidDispose(() => {
        this.panel = null;
        for (const s of this.panelSubscriptions.splice(0)) s.dispose();
        this.updateWatch();
      }),
    );
    this.updateWatch();
  }

  private updateWatch(): void {
    const wanted = this.panel?.visible === true && this.connections.state === 'connected';
    if (wanted && !this.watch) this.watch = this.watcher.watch();
    if (!wanted && this.watch) {
      this.watch.dispose();
      this.watch = null;
    }
  }

  private post(message: HostToWebview): void {
    void this.panel?.webview.postMessage(message);
  }

  private postConnection(): void {
    const current = this.connections.current;
    const state = this.connections.state;
    this.post({
      type: 'connection',
      state:
        state === 'connected'
          ? 'connected'
          : this.connections.reconnecting
            ? 'reconnecting'
            : state === 'connecting'
              ? 'connecting'
              : state === 'none' || state === 'closed' || state === 'idle'
                ? 'none'
                : 'disconnected',
      ...(current ? { label: `${current.candidate.config.database} on ${current.candidate.config.host}` } : {}),
      ...(this.connections.lastFailure ? { message: `${this.connections.lastFailure.title} ${this.connections.lastFailure.advice}` } : {}),
    });
  }

  private async receive(message: unknown): Promise<void> {
    if (!isWebviewToHost(message)) return;
    switch (message.type) {
      case 'ready': {
        this.postConnection();
        const last = this.watcher.last;
        if (last) this.post({ type: 'builds', builds: last.builds, recent: last.recent, at: last.at });
        void this.watcher.poll();
        return;
      }
      case 'refresh':
        if (this.connections.state !== 'connected') await vscode.commands.executeCommand('pgIndexGuard.connect');
        void this.watcher.poll();
        return;
      case 'cancelBuild':
        await this.cancel(message.pid);
        return;
      case 'dropInvalidIndex':
        await this.offerDrop(message.schema, message.index);
        return;
    }
  }

  /** Asks, cancels with pg_cancel_backend, reports back; the leftover is offered when the monitor sees the build end. */
  async cancel(pid: number): Promise<boolean> {
    // The monitor's last tick, else the views' (the watcher polls only while something watches).
    const build = this.watcher.last?.builds.find((b) => b.pid === pid) ?? this.status.status?.buildsInProgress.items.find((b) => b.pid === pid);
    const target = build ? `${build.command} of ${build.index ?? 'an index'} on ${build.table}` : `the index build in PID ${pid}`;
    this.post({ type: 'cancelStatus', pid, status: 'confirming' });
    const confirmed = await askToWrite(this.connections, {
      question: `Cancel ${target}?`,
      sql: `SELECT pg_cancel_backend(${pid});`,
      note: 'A cancelled concurrent build leaves an INVALID index, which you can then drop.',
      button: 'Cancel Build',
      declineButton: 'Keep Building',
    });
    if (!confirmed) {
      this.post({ type: 'cancelStatus', pid, status: 'declined' });
      return false;
    }
    this.post({ type: 'cancelStatus', pid, status: 'cancelling' });
    // The leftover is offered when the monitor sees the build end, so the monitor must have seen it
    // running (it polls every 5 s while idle, or not at all with the status bar off) and must keep
    // polling until it ends.
    const watch = this.watchUntilFinished(pid);
    await this.watcher.poll();
    try {
      const result = await withWriteConnection(this.connections.writeConfigs(), (client) => cancelBuild(client, pid));
      if (!result.cancelled) watch.dispose();
      this.log.info(`cancel of PID ${pid}: ${result.cancelled ? 'sent' : result.reason}`);
      if (result.cancelled) this.post({ type: 'cancelStatus', pid, status: 'cancelled' });
      else
        this.post({
          type: 'cancelStatus',
          pid,
          status: 'failed',
          message: result.reason === 'not-building' ? 'The build had already finished.' : 'PostgreSQL refused: cancelling needs the same role or pg_signal_backend.',
        });
      void this.watcher.poll();
      return result.cancelled;
    } catch (error) {
      watch.dispose();
      const description = describeConnectionError(error);
      this.post({ type: 'cancelStatus', pid, status: 'failed', message: `${description.title} ${description.advice}` });
      return false;
    }
  }

  /** Keeps the monitor polling until the build in `pid` is reported finished (at most ten minutes, its own limit). */
  private watchUntilFinished(pid: number): vscode.Disposable {
    const watch = this.watcher.watch();
    const done = (): void => {
      clearTimeout(timer);
      finished.dispose();
      watch.dispose();
    };
    const finished = this.watcher.onDidFinish((f) => {
      if (f.build.pid === pid) done();
    });
    const timer = setTimeout(done, 10 * 60_000);
    return new vscode.Disposable(done);
  }

  /** The same confirmation (database, SQL) and the same drop as the tree's. */
  offerDrop(schema: string, index: string, question?: string): Promise<boolean> {
    return confirmAndDropInvalidIndex({ connections: this.connections, log: this.log, status: this.status, watcher: this.watcher }, schema, index, question);
  }

  dispose(): void {
    this.watch?.dispose();
    this.panel?.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
