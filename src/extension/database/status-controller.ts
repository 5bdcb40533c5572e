import * as vscode from 'vscode';
import { collectStatus, DatabaseFactsReader, readStatusWorkspace, type DatabaseStatus } from '../../db/status';
import type { DatabaseFacts } from '../../core/lint-context';
import { lineStarts, positionAt } from '../../core/parsers/source-text';
import type { Finding } from '../../core/rules/rule';
import type { LintService } from '../lint-service';
import { readLintSettings, SECTION } from '../settings';
import type { ConnectionManager } from './connection-manager';

/** A lint finding of a pending migration, with the 0-based line and column it starts and ends at. */
export interface LocatedFinding extends Finding {
  start: { line: number; column: number };
  end: { line: number; column: number };
}

/**
 * Collects the database status for the tree views. Polls only while at least one view is
 * visible and a connection is up; one refresh at a time.
 */
export class StatusController implements vscode.Disposable {
  private latest: DatabaseStatus | null = null;
  /** The facts the lint has, and their content as text (a full re-read can bring the same facts back). */
  private lastFacts: { facts: DatabaseFacts; key: string } | null = null;
  /** The lint's facts, read again in full only when the catalog changed (see DatabaseFactsReader). */
  private readonly factsReader = new DatabaseFactsReader();
  private pendingFindings = new Map<string, LocatedFinding[]>();
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  private readonly visibleViews = new Set<string>();
  private readonly changed = new vscode.EventEmitter<DatabaseStatus | null>();
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly connections: ConnectionManager,
    private readonly lintService: LintService,
    private readonly log: vscode.LogOutputChannel,
    private readonly onFactsChanged: () => void,
  ) {
    this.subscriptions.push(
      this.changed,
      connections.onDidChangeState((state) => {
        if (state === 'connected') void this.refresh();
        if (state === 'none') {
          this.latest = null;
          this.lastFacts = null;
          this.lintService.setDatabaseFacts(undefined);
          this.onFactsChanged();
          this.changed.fire(null);
        } else {
          this.changed.fire(this.latest);
        }
        this.reschedule();
      }),
    );
  }

  get status(): DatabaseStatus | null {
    return this.latest;
  }

  /** Lint findings of a pending migration, as of the last refresh. */
  findingsOf(path: string): LocatedFinding[] {
    return this.pendingFindings.get(path) ?? [];
  }

  setViewVisible(viewId: string, visible: boolean): void {
    if (visible) this.visibleViews.add(viewId);
    else this.visibleViews.delete(viewId);
    this.reschedule();
    if (visible && this.connections.state === 'connected' && !this.latest) void this.refresh();
  }

  private intervalMs(): number {
    const seconds = vscode.workspace.getConfiguration(SECTION).get<number>('refreshInterval') ?? 5;
    const running = (this.latest?.buildsInProgress.items.length ?? 0) > 0;
    // Builds move fast; the rest of the status does not.
    return Math.max(1, running ? Math.min(seconds, 2) : seconds) * 1000;
  }

  private reschedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.visibleViews.size === 0 || this.connections.state !== 'connected') return;
    this.timer = setTimeout(() => {
      void this.refresh().finally(() => this.reschedule());
    }, this.intervalMs());
  }

  /** After a write: a refresh that starts now (one under way may have read the database before the write). Never rejects. */
  async refreshAfterWrite(): Promise<void> {
    await this.refreshing;
    await this.refresh({ rereadFacts: true });
  }

  /**
   * Refreshes now (or joins the refresh under way). Never rejects. `rereadFacts`: read the lint's
   * facts in full even if the catalog looks unchanged (after a write, or when the user asks).
   */
  refresh(options: { rereadFacts?: boolean } = {}): Promise<void> {
    this.refreshing ??= this.collect(options.rereadFacts === true).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async collect(rereadFacts: boolean): Promise<void> {
    const current = this.connections.current;
    if (!current || current.session.state !== 'connected') return;
    try {
      const parsers = await this.lintService.loadParsers();
      const root = this.connections.workspaceRoot();
      const migrationsPaths = current.candidate.rails?.migrationsPaths;
      const workspace = root ? readStatusWorkspace(root, { parsers, ...(migrationsPaths ? { migrationsPaths } : {}) }) : null;
      const started = Date.now();
      // One after the other on the one connection either way: the facts take the status's builds
      // in progress rather than asking for them again.
      const status = await collectStatus(current.session, workspace);
      const builds = status.buildsInProgress.error ? undefined : status.buildsInProgress.items;
      const facts = await this.factsReader
        .read(current.session, readLintSettings(this.connections.workspaceFolder()?.uri ?? null).largeTableRowThreshold, { force: rereadFacts, ...(builds ? { builds } : {}) })
        .catch((error: unknown) => {
          // The lint goes on with the facts it had; say why they are not fresh (a statement_timeout on a huge catalog, say).
          this.log.warn(`could not read the lint's database facts: ${error instanceof Error ? error.message : String(error)}`);
          return undefined;
        });
      this.log.debug(`status collected in ${Date.now() - started} ms`);
      if (this.connections.current?.session !== current.session) return; // switched meanwhile
      this.latest = status;
      const findings = new Map<string, LocatedFinding[]>();
      for (const migration of status.pendingMigrations.items) findings.set(migration.path, await this.locatedFindings(vscode.Uri.file(migration.path)));
      this.pendingFindings = findings;
      // Re-lint only when what the linter knows changed, not on every poll. A poll that found
      // nothing new hands back the same object: no need to turn 50,000 indexes into text again.
      if (facts && facts !== this.lastFacts?.facts) {
        const key = JSON.stringify([facts.serverVersionNum, [...(facts.tableRowEstimates ?? [])], facts.indexes ?? [], [...(facts.columnStats ?? [])]]);
        const changed = key !== this.lastFacts?.key;
        this.lastFacts = { facts, key };
        if (changed) {
          this.lintService.setDatabaseFacts(facts);
          this.onFactsChanged();
        }
      }
      this.changed.fire(status);
    } catch (error) {
      this.log.warn(`could not collect the database status: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Lints a file and places each finding on its lines (the tree shows the line and opens it). */
  private async locatedFindings(uri: vscode.Uri): Promise<LocatedFinding[]> {
    const findings = await this.lintService.lintFile(uri);
    if (findings.length === 0) return [];
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    // Gone since it was linted: the findings still show, at the top of the file.
    const text = open ? open.getText() : await vscode.workspace.fs.readFile(uri).then((bytes) => new TextDecoder().decode(bytes), () => '');
    const starts = lineStarts(text);
    return findings.map((f) => ({ ...f, start: positionAt(starts, f.range.start), end: positionAt(starts, f.range.end) }));
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
  }
}
