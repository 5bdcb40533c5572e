import * as vscode from 'vscode';
import { describeIndexBuild } from '../../core/lint-context';
import { dropInvalidIndexConcurrently } from '../../db/progress/cancel';
import { dropInvalidIndexSql } from '../../db/sql-text';
import { askToWrite, runWrite, type WriteContext } from './writes';

/**
 * Drops an INVALID index concurrently: the one path for the tree, the invalid-index-exists quick
 * fix and the build monitor. Looks at the database again first (an index whose build is running
 * is INVALID too, and no leftover), asks, then drops on a write connection that refuses a valid
 * index and one still building.
 */
export async function confirmAndDropInvalidIndex(context: WriteContext, schema: string, index: string, question?: string): Promise<boolean> {
  await context.status.refreshAfterWrite();
  const invalid = context.status.status?.invalidIndexes.items.find((i) => i.schema === schema && i.index === index);
  if (!invalid) {
    void vscode.window.showInformationMessage(`${schema}.${index} is not an INVALID index (any more): nothing to drop.`);
    return false;
  }
  if (invalid.build) {
    void vscode.window.showWarningMessage(
      `${schema}.${index} is being built right now (${describeIndexBuild(invalid.build)}): it is INVALID only until the build ends. Nothing was dropped; cancel the build first if you want it gone.`,
    );
    return false;
  }
  const confirmed = await askToWrite(context.connections, {
    question: question ?? `Drop the INVALID index ${schema}.${index}?`,
    sql: dropInvalidIndexSql(schema, index),
    button: 'Drop Concurrently',
    note: 'Queries do not use an INVALID index, but every write still maintains it. The drop waits for transactions on the table to end.',
  });
  if (!confirmed) return false;
  const result = await runWrite(context, `Dropping ${index}`, async (client) => {
    const outcome = await dropInvalidIndexConcurrently(client, schema, index);
    // Before the views refresh: the monitor's next tick must not offer to drop it again.
    if (outcome.dropped) context.watcher.forgetLeftover(schema, index);
    return outcome;
  });
  if (!result) return false;
  const outcome = result.value;
  context.log.info(`drop of INVALID ${schema}.${index}: ${outcome.dropped ? 'dropped' : outcome.reason}`);
  if (outcome.dropped) {
    void vscode.window.showInformationMessage(`Dropped ${schema}.${index}.`);
  } else {
    void vscode.window.showWarningMessage(
      `Did not drop ${schema}.${index}: ${outcome.reason === 'valid' ? 'it is valid' : outcome.reason === 'missing' ? 'it no longer exists' : 'a build on it is running right now'}.`,
    );
  }
  return outcome.dropped;
}
