import { join } from 'node:path';
import * as vscode from 'vscode';
import type { BuildHistory } from '../../core/locks/estimates';
import { BuildHistoryFile, defaultHistoryPath, mergeHistories, recordBuilderResults, recordFinishedBuild, serverKey } from '../../db/build-history';
import type { SafeBuildResult } from '../../db/builder/safe-builder';
import type { ConnectionManager } from '../database/connection-manager';
import type { BuildWatcher } from './build-watcher';

/**
 * Records every build the monitor sees finish (and every build the extension's builder runs) in
 * the extension's global storage, so the hover and the CodeLens estimate from this server's own
 * speed. It reads the CLI's history too: builds a cron job ran count as well.
 */
export class BuildHistoryRecorder implements vscode.Disposable {
  private readonly own: BuildHistoryFile;
  private readonly cli = new BuildHistoryFile(defaultHistoryPath());
  private cached: { key: string; history: BuildHistory } | null = null;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  /** A build was recorded: estimates may change. */
  readonly onDidRecord = this.changed.event;

  constructor(
    globalStorage: vscode.Uri,
    private readonly connections: ConnectionManager,
    watcher: BuildWatcher,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.own = new BuildHistoryFile(join(globalStorage.fsPath, 'build-history.json'));
    this.subscriptions.push(
      this.changed,
      watcher.onDidFinish((finished) => {
        const current = this.connections.current;
        if (!current) return;
        void recordFinishedBuild(current.session, this.own, serverKey(current.candidate.config), finished).then((problem) => this.recorded(problem));
      }),
      connections.onDidChangeState(() => (this.cached = null)),
    );
  }

  /** The connected server's measured builds (null while not connected). */
  history(): BuildHistory | null {
    const current = this.connections.current;
    if (!current) return null;
    const key = serverKey(current.candidate.config);
    if (this.cached?.key !== key) this.cached = { key, history: mergeHistories(this.own.read(key), this.cli.read(key)) };
    return this.cached.history;
  }

  /** The builder's own measurements (the monitor may have polled too seldom to see a short build). */
  recordBuilderResult(result: SafeBuildResult): void {
    const current = this.connections.current;
    if (!current) return;
    const problems = recordBuilderResults(this.own, serverKey(current.candidate.config), result.results);
    for (const problem of problems) this.log.warn(problem);
    this.recorded(null);
  }

  private recorded(problem: string | null): void {
    if (problem) this.log.warn(problem);
    this.cached = null;
    this.changed.fire();
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
