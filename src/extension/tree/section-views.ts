import * as vscode from 'vscode';
import type { DatabaseStatus, StatusSection } from '../../db/status';
import type { LocatedFinding, StatusController } from '../database/status-controller';
import type { ConnectionManager } from '../database/connection-manager';
import {
  BlockedQueryNode,
  BuildNode,
  ErrorNode,
  InvalidIndexNode,
  LargeTableNode,
  MessageNode,
  MissingIndexNode,
  PendingMigrationNode,
  type DatabaseNode,
} from './nodes';

interface SectionSpec<T> {
  id: string;
  section: (status: DatabaseStatus) => StatusSection<T>;
  node: (item: T) => DatabaseNode;
  empty: string;
}

/** One tree view per status section; empty while disconnected so the welcome view shows. */
class SectionProvider<T> implements vscode.TreeDataProvider<DatabaseNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly spec: SectionSpec<T>,
    private readonly status: StatusController,
    private readonly connections: ConnectionManager,
  ) {}

  refresh(): void {
    this.changed.fire();
  }

  getTreeItem(node: DatabaseNode): vscode.TreeItem {
    return node;
  }

  getChildren(node?: DatabaseNode): DatabaseNode[] {
    if (node) return node.children();
    if (this.connections.state === 'none') return [];
    const status = this.status.status;
    if (!status) {
      const failure = this.connections.lastFailure;
      if (this.connections.state === 'disconnected' && failure) return [new ErrorNode(failure)];
      return [new MessageNode(this.connections.state === 'connected' ? 'Loading…' : 'Connecting…', 'loading~spin')];
    }
    const section = this.spec.section(status);
    const nodes: DatabaseNode[] = [];
    // What is listed is from before the connection was lost: say that it is being made again.
    if (this.connections.reconnecting) nodes.push(new MessageNode('Connection lost, reconnecting…', 'sync~spin'));
    if (this.connections.state === 'disconnected' && this.connections.lastFailure) nodes.push(new ErrorNode(this.connections.lastFailure));
    if (section.error) nodes.push(new ErrorNode(section.error));
    if (section.note) nodes.push(new MessageNode(section.note));
    nodes.push(...section.items.map((item) => this.spec.node(item)));
    if (section.items.length === 0 && !section.error) nodes.push(new MessageNode(this.spec.empty, 'check'));
    return nodes;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export const VIEW_IDS = {
  builds: 'pgIndexGuard.builds',
  pending: 'pgIndexGuard.pendingMigrations',
  missing: 'pgIndexGuard.missingIndexes',
  invalid: 'pgIndexGuard.invalidIndexes',
  largeTables: 'pgIndexGuard.largeTables',
  blocked: 'pgIndexGuard.blockedQueries',
} as const;

/** Registers the six views; returns them so tests and commands can reach them. */
export function registerSectionViews(
  status: StatusController,
  connections: ConnectionManager,
  findingsFor: (path: string) => LocatedFinding[],
): { views: Map<string, vscode.TreeView<DatabaseNode>>; providers: Map<string, { refresh(): void; getChildren(node?: DatabaseNode): DatabaseNode[] }>; disposables: vscode.Disposable[] } {
  const specs: SectionSpec<any>[] = [
    { id: VIEW_IDS.builds, section: (s) => s.buildsInProgress, node: (b) => new BuildNode(b), empty: 'No index build is running.' },
    { id: VIEW_IDS.pending, section: (s) => s.pendingMigrations, node: (m) => new PendingMigrationNode(m, findingsFor), empty: 'No pending migrations.' },
    { id: VIEW_IDS.missing, section: (s) => s.missingIndexes, node: (i) => new MissingIndexNode(i, connections.workspaceFolder()?.uri ?? null), empty: 'Every declared index exists.' },
    { id: VIEW_IDS.invalid, section: (s) => s.invalidIndexes, node: (i) => new InvalidIndexNode(i), empty: 'No invalid indexes.' },
    { id: VIEW_IDS.largeTables, section: (s) => s.largeTables, node: (t) => new LargeTableNode(t), empty: 'No tables.' },
    { id: VIEW_IDS.blocked, section: (s) => s.blockedQueries, node: (q) => new BlockedQueryNode(q), empty: 'No session waits on a lock.' },
  ];
  const views = new Map<string, vscode.TreeView<DatabaseNode>>();
  const providers = new Map<string, SectionProvider<unknown>>();
  const disposables: vscode.Disposable[] = [];
  for (const spec of specs) {
    const provider = new SectionProvider(spec, status, connections);
    const view = vscode.window.createTreeView(spec.id, { treeDataProvider: provider, showCollapseAll: spec.id === VIEW_IDS.pending });
    views.set(spec.id, view);
    providers.set(spec.id, provider);
    status.setViewVisible(spec.id, view.visible);
    disposables.push(view, provider, view.onDidChangeVisibility((e) => status.setViewVisible(spec.id, e.visible)));
  }
  const update = () => {
    for (const provider of providers.values()) provider.refresh();
    const invalid = status.status?.invalidIndexes.items.filter((i) => !i.buildInProgress).length ?? 0;
    const invalidView = views.get(VIEW_IDS.invalid)!;
    invalidView.badge = invalid > 0 ? { value: invalid, tooltip: `${invalid} invalid index${invalid === 1 ? '' : 'es'}` } : undefined;
    // Each view names the database it shows, so two windows (or a switch) cannot be confused.
    const database = connections.current?.candidate.config.database;
    for (const view of views.values()) view.description = database;
    const builds = status.status?.buildsInProgress.items.length ?? 0;
    if (builds > 0) views.get(VIEW_IDS.builds)!.description = `${database ? `${database} · ` : ''}${builds} running`;
  };
  disposables.push(status.onDidChange(update), connections.onDidChangeState(update));
  return { views, providers, disposables };
}
