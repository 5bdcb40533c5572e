import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import pg from 'pg';
import type { PgIndexGuardApi } from '../../src/extension/extension';
import { VIEW_IDS } from '../../src/extension/tree/section-views';
import type { ConfirmationRequest } from '../../src/extension/confirm';
import { activateExtension } from './support';

async function query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

function pendingNode(api: PgIndexGuardApi, prefix: string) {
  return api.views.providers.get(VIEW_IDS.pending)!.getChildren().find((n) => String(n.description).startsWith(prefix));
}

describe('building pending indexes from the tree', () => {
  let api: PgIndexGuardApi;

  let asked: ConfirmationRequest[] = [];
  let answer = true;

  before(async () => {
    api = await activateExtension();
    // VS Code refuses modal dialogs in test mode; the suite answers them and reads each question.
    api.answerConfirmationsForTests(async (request) => {
      asked.push(request);
      return answer;
    });
    if (api.connections.state !== 'connected') {
      const candidate = api.connections.findCandidates().candidates.find((c) => c.source === 'DATABASE_URL')!;
      assert.ok(await api.connections.connect(candidate, { interactive: false }));
    }
    await api.status.refresh();
  });

  after(() => api.answerConfirmationsForTests(undefined));

  beforeEach(() => {
    asked = [];
    answer = true;
  });

  it('"Create Pending Indexes" asks, then builds the migration\'s index concurrently and leaves it valid', async () => {
    const node = pendingNode(api, '20240318100000');
    assert.ok(node, 'the conversations migration is pending');
    await vscode.commands.executeCommand('pgIndexGuard.createPendingIndexes', node);
    assert.equal(asked.length, 1);
    assert.equal(asked[0]!.button, 'Build Index');
    assert.match(asked[0]!.question, /^Build this index on chat_test \(127\.0\.0\.1:\d+\) now\?$/);
    assert.match(asked[0]!.detail, /CREATE INDEX CONCURRENTLY IF NOT EXISTS "index_conversations_on_status" ON "conversations" \("status"\)/);
    const rows = await query<{ valid: boolean; definition: string }>(
      `SELECT x.indisvalid AS valid, pg_get_indexdef(x.indexrelid) AS definition
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE i.relname = 'index_conversations_on_status'`,
    );
    assert.equal(rows.length, 1, 'the index exists');
    assert.equal(rows[0]!.valid, true);
    assert.match(rows[0]!.definition, /ON public\.conversations USING btree \(status\)/);
  });

  it('declining the confirmation writes nothing', async () => {
    const node = pendingNode(api, '20240303080000');
    answer = false;
    assert.equal(await vscode.commands.executeCommand('pgIndexGuard.createPendingIndexes', node), null);
    assert.equal(asked.length, 1);
    const rows = await query("SELECT 1 FROM pg_class WHERE relname = 'index_notifications_on_user_and_time'");
    assert.equal(rows.length, 0);
  });

  it('"Mark Migration as Run" asks, records the version once, and the migration is no longer pending', async () => {
    const node = pendingNode(api, '20240318100000');
    assert.ok(node);
    assert.equal(await vscode.commands.executeCommand('pgIndexGuard.markMigrationAsRun', node), true);
    assert.match(asked[0]!.question, /^Mark db\/migrate\/20240318100000_add_index_to_conversations_on_status\.rb as run on chat_test/);
    // Twice is harmless: the version is recorded once.
    assert.equal(await vscode.commands.executeCommand('pgIndexGuard.markMigrationAsRun', node), true);
    const rows = await query("SELECT version FROM schema_migrations WHERE version = '20240318100000'");
    assert.equal(rows.length, 1);
    await api.status.refresh();
    assert.equal(pendingNode(api, '20240318100000'), undefined);
  });
});
