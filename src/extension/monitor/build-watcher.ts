import * as vscode from 'vscode';
import { ProgressMonitor, type TickEvent } from '../../db/progress/progress-monitor';
import type { FinishedBuildView } from '../../shared/messages';
import type { ConnectionManager } from '../database/connection-manager';

/**
 * One ProgressMonitor for the window, over the read-only monitoring session. It polls only
 * while something watches (the panel while visible, the status bar while connected) and
 * re-binds when the connection changes.
 */
export class BuildWatcher implements vscode.Disposable {
  private monitor: ProgressMonitor | null = null;
  private statusBarWatch: { dispose(): void } | null = null;
  private readonly ticked = new vscode.EventEmitter<TickEvent>();
  readonly onDidTick = this.ticked.event;
  private readonly finished = new vscode.EventEmitter<FinishedBuildView>();
  readonly onDidFinish = this.finished.event;
  private readonly subscriptions: vscode.Disposable[] = [this.ticked, this.finished];
  private latest: TickEvent | null = null;
  private boundSession: unknown = null;
  /** Live watch() handles; they outlive a rebind, so a panel open across a connection switch keeps polling. */
  private watchers = 0;
  /** The current monitor's watch on behalf of every handle. */
  private monitorWatch: { dispose(): void } | null = null;

  constructor(
    private readonly connections: ConnectionManager,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(connections.onDidChangeState(() => this.rebind()));
    this.rebind();
  }

  get last(): TickEvent | null {
    return this.latest;
  }

  /** Watch while the returned disposable lives, across connection switches (idle while not connected). */
  watch(): { dispose(): void } {
    this.watchers++;
    this.applyWatchers();
    let disposed = false;
    return {
      dispose: () => {
        if (disposed) return;
        disposed = true;
        this.watchers--;
        this.applyWatchers();
      },
    };
  }

  private applyWatchers(): void {
    const wanted = this.watchers > 0 && this.monitor !== null;
    if (wanted && !this.monitorWatch) this.monitorWatch = this.monitor!.watch();
    if (!wanted && this.monitorWatch) {
      this.monitorWatch.dispose();
      this.monitorWatch = null;
    }
  }

  /** After a drop: recent builds stop offering to drop that index; the next tick shows it. */
  forgetLeftover(schema: string, index: string): void {
    this.monitor?.forgetLeftover(schema, index);
  }

  poll(): Promise<TickEvent | null> {
    return this.monitor?.poll() ?? Promise.resolve(null);
  }

  private rebind(): void {
    const session = this.connections.current?.session ?? null;
    if (session === this.boundSession) return; // same session: it reconnects by itself
    this.boundSession = session;
    this.statusBarWatch?.dispose();
    this.statusBarWatch = null;
    this.monitorWatch = null; // the old monitor's, gone with it
    this.monitor?.dispose();
    this.monitor = null;
    this.latest = null;
    if (!session) return;
    const monitor = new ProgressMonitor(session);
    monitor.on('tick', (tick) => {
      this.latest = tick;
      this.ticked.fire(tick);
    });
    monitor.on('build-finished', (finished) => {
      this.log.info(`index build ${finished.build.index ?? '?'} on ${finished.build.table}: ${finished.outcome} (${finished.detail})`);
      this.finished.fire(finished);
    });
    monitor.on('error', (event) => this.log.debug(`build monitor: ${event.description.title}`));
    this.monitor = monitor;
    this.applyWatchers();
    if (vscode.workspace.getConfiguration('pgIndexGuard').get<boolean>('statusBar', true)) this.statusBarWatch = monitor.watch();
  }

  dispose(): void {
    this.statusBarWatch?.dispose();
    this.monitor?.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
