// The Large Tables context menu: copy the table's name, open where the app defines it.
import * as vscode from 'vscode';
import { tableDefinitionLine } from '../../db/table-definition';
import type { ConnectionManager } from '../database/connection-manager';
import { LargeTableNode } from './nodes';

function qualifiedName(node: LargeTableNode): string {
  return node.table.schema === 'public' ? node.table.table : `${node.table.schema}.${node.table.table}`;
}

export async function copyTableName(node: unknown): Promise<void> {
  if (!(node instanceof LargeTableNode)) return;
  await vscode.env.clipboard.writeText(qualifiedName(node));
}

/** Opens db/schema.rb or db/structure.sql at the table's create_table; says so when neither defines it. */
export async function openTableDefinition(connections: ConnectionManager, node: unknown): Promise<boolean> {
  if (!(node instanceof LargeTableNode)) return false;
  const folder = connections.workspaceFolder();
  for (const kind of ['schema.rb', 'structure.sql'] as const) {
    if (!folder) break;
    const uri = vscode.Uri.joinPath(folder.uri, 'db', kind);
    const text = await vscode.workspace.fs.readFile(uri).then((bytes) => new TextDecoder().decode(bytes), () => null);
    const line = text === null ? null : tableDefinitionLine(text, kind, node.table.schema, node.table.table);
    if (line === null) continue;
    await vscode.window.showTextDocument(uri, { selection: new vscode.Range(line - 1, 0, line - 1, 0) });
    return true;
  }
  void vscode.window.showInformationMessage(`Neither db/schema.rb nor db/structure.sql defines the table ${qualifiedName(node)}.`);
  return false;
}
