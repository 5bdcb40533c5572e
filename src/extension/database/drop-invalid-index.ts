import * as vscode from 'vscode';
import { describeConnectionError } from '../../db/errors';
import { dropInvalidIndexConcurrently } from '../../db/progress/cancel';
import { withWriteConnection } from '../../db/write-connection';
import type { ConnectionManager } from './connection-manager';

/**
 * Drops an INVALID index concurrently on a write connection and says how it went. The one
 * path for the tree, the invalid-index-exists quick fix and the build monitor: it refuses a
 * valid index and one whose build still runs. Callers ask first.
 */
export async function dropInvalidIndex(connections: ConnectionManager, log: vscode.LogOutputChannel, schema: string, index: string): Promise<boolean> {
  try {
    const result = await withWriteConnection(connections.writeConfigs(), (client) => dropInvalidIndexConcurrently(client, schema, index));
    log.info(`drop of INVALID ${schema}.${index}: ${result.dropped ? 'dropped' : result.reason}`);
    if (result.dropped) void vscode.window.showInformationMessage(`Dropped ${schema}.${index}.`);
    else
      void vscode.window.showWarningMessage(
        `Did not drop ${schema}.${index}: ${result.reason === 'valid' ? 'it is valid' : result.reason === 'missing' ? 'it no longer exists' : 'a build on it is still running'}.`,
      );
    return result.dropped;
  } catch (error) {
    const description = describeConnectionError(error);
    log.error(`drop of ${schema}.${index} failed: ${description.title} ${description.detail}`);
    void vscode.window.showErrorMessage(`${description.title} ${description.advice}`);
    return false;
  }
}
