// Trace Locks of This Migration in a real VS Code against the suite's database: confirmed with
// the write modal (naming the database, showing the SQL), the report says what pg_locks showed,
// a declined confirmation runs nothing, and nothing is kept.
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import pg from 'pg';
import type { ConfirmationRequest } from '../../src/extension/confirm';
import type { PgIndexGuardApi } from '../../src/extension/extension';
import { activateExtension } from './support';

async function indexNames(): Promise<string[]> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.indexname);
  } finally {
    await client.end();
  }
}

describe('lock trace: Trace Locks of This Migration', () => {
  let api: PgIndexGuardApi;
  let asked: ConfirmationRequest[] = [];
  const migration = join(mkdtempSync(join(tmpdir(), 'pgig-trace-')), '001_add_index.sql');

  before(async () => {
    api = await activateExtension();
    if (api.connections.state !== 'connected') {
      const candidate = api.connections.findCandidates().candidates.find((c) => c.source === 'DATABASE_URL')!;
      assert.ok(await api.connections.connect(candidate, { interactive: false }));
    }
    writeFileSync(migration, 'CREATE INDEX CONCURRENTLY index_messages_on_trace ON messages (created_at);\n');
  });

  after(() => api.answerConfirmationsForTests(undefined));

  it('asks like a write, then reports the recorded locks against the lock model and keeps nothing', async () => {
    const before = await indexNames();
    asked = [];
    api.answerConfirmationsForTests(async (request) => {
      asked.push(request);
      return false;
    });
    assert.equal(await vscode.commands.executeCommand('pgIndexGuard.traceLocks', vscode.Uri.file(migration)), null);
    assert.equal(asked.length, 1);
    assert.match(asked[0]!.question, /Trace the locks of .*001_add_index\.sql\?/);
    assert.match(asked[0]!.detail, /Database chat_test on .*\n\nCREATE INDEX index_messages_on_trace ON messages \(created_at\);/);

    api.answerConfirmationsForTests(async (request) => {
      asked.push(request);
      return true;
    });
    const report = await vscode.commands.executeCommand<string | null>('pgIndexGuard.traceLocks', vscode.Uri.file(migration));
    assert.ok(report, 'a report');
    assert.match(report, /CREATE INDEX CONCURRENTLY: traced as CREATE INDEX, without CONCURRENTLY/);
    assert.match(report, /agrees: the lock model says SHARE on messages/);
    assert.match(report, /1 statement traced; all agree with the lock model\. Nothing was kept\./);
    assert.deepEqual(await indexNames(), before);
  });
});
