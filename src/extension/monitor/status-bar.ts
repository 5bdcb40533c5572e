import * as vscode from 'vscode';
import type { BuildWatcher } from './build-watcher';

/** `$(sync~spin) messages 43%` while builds run; opens the build monitor. Hidden otherwise. */
export class BuildStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('pgIndexGuard.builds', vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;

  constructor(watcher: BuildWatcher) {
    this.item.name = 'PG Index Guard: index builds';
    this.item.command = 'pgIndexGuard.openBuildMonitor';
    this.subscription = watcher.onDidTick((tick) => {
      const builds = tick.builds;
      if (builds.length === 0) {
        this.item.hide();
        return;
      }
      const first = builds[0]!;
      const more = builds.length > 1 ? ` +${builds.length - 1}` : '';
      const icon = first.waiting ? '$(watch)' : '$(sync~spin)';
      this.item.text = `${icon} ${first.table} ${Math.floor(first.overallPercent)}%${more}`;
      this.item.tooltip = builds.map((b) => `${b.command} ${b.index ?? ''} on ${b.table}: ${b.phaseLabel}, ${Math.floor(b.overallPercent)}%`).join('\n');
      this.item.show();
    });
  }

  get text(): string {
    return this.item.text;
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
