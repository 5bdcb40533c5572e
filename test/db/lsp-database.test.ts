// The language server's `databaseUrl`: the statistics of a real database sharpen its findings
// (row estimates make a table large, an INVALID leftover is reported), read in a session of its
// own that ends again; a database it cannot reach is said once and linting goes on.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { buildServer, codes, LspTestClient, tempDir } from '../lsp/client';
import { closeClient, seedTables, useCluster, SUPERUSER, SUPERUSER_PASSWORD } from './support/postgres';

const folder = tempDir('pg-index-guard-lsp-db-');
let cli: string;
const cluster = useCluster({}, async (c) => {
  cli = await buildServer(join(folder.path, 'bundle'));
  await c.createDatabase('lsp_facts');
  const admin = await c.connect('lsp_facts');
  await seedTables(admin, { messages: 5_000 });
  await closeClient(admin);
});
const clients: LspTestClient[] = [];
after(() => {
  for (const client of clients) client.kill();
  folder.remove();
});

const MIGRATION = 'class AddIndexToMessagesOnStatus < ActiveRecord::Migration[7.1]\n  def change\n    add_index :messages, :status\n  end\nend\n';

async function lintWith(initializationOptions: unknown): Promise<LspTestClient> {
  const app = join(folder.path, 'app');
  writeFileSync(join(folder.path, 'Gemfile'), '');
  const { client } = await LspTestClient.start({ cli, rootUri: pathToFileURL(app).href, initializationOptions });
  clients.push(client);
  await client.open(pathToFileURL(join(app, 'db/migrate/20240501000000_add_index_to_messages_on_status.rb')).href, 'ruby', MIGRATION);
  return client;
}

test('databaseUrl: row estimates from the database make messages large, once they are read', async () => {
  const { host, port } = cluster();
  const url = `postgres://${SUPERUSER}:${encodeURIComponent(SUPERUSER_PASSWORD)}@${host}:${port}/lsp_facts`;
  const client = await lintWith({ databaseUrl: url, largeTableRowThreshold: 1_000 });
  const uri = [...client.documents.keys()][0]!;
  const withFacts = await client.diagnostics(uri, (p) => p.diagnostics.some((d) => /messages: ~5000 rows, large/.test(String(d.message))));
  assert.equal(withFacts.version, 1);
  const concurrent = withFacts.diagnostics.find((d) => d.code === 'require-concurrent-index-creation')!;
  assert.equal(concurrent.severity, 1, 'raised to an error on a large table');
  const hover = await client.hover(uri, 2, 8);
  assert.match(JSON.stringify(hover?.contents), /\*\*Table:\*\*/);
  // The session that read them is gone (read and closed), the password never shown.
  const admin = await cluster().connect('lsp_facts');
  try {
    const { rows } = await admin.query<{ count: string }>("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pg-index-guard lsp'");
    assert.equal(rows[0]!.count, '0');
  } finally {
    await closeClient(admin);
  }
  assert.ok(!client.messages.some((m) => m.includes(SUPERUSER_PASSWORD)));
  assert.equal(await client.stop(), 0);
});

test("the hover's build time comes from the builds the CLI measured on this server", async () => {
  const { host, port } = cluster();
  const url = `postgres://${SUPERUSER}:${encodeURIComponent(SUPERUSER_PASSWORD)}@${host}:${port}/lsp_facts`;
  const historyPath = join(folder.path, 'build-history.json');
  const build = (index: string) => ({ tableBytes: 50_000_000, seconds: 20, concurrent: false, finishedAt: new Date().toISOString(), schema: 'public', table: 'messages', index });
  writeFileSync(historyPath, JSON.stringify({ version: 1, servers: { [`${host}:${port}/lsp_facts`]: [build('a'), build('b')] } }));
  const previous = process.env['PG_INDEX_GUARD_BUILD_HISTORY'];
  process.env['PG_INDEX_GUARD_BUILD_HISTORY'] = historyPath; // the server process inherits it
  try {
    const client = await lintWith({ databaseUrl: url, largeTableRowThreshold: 1_000 });
    const uri = [...client.documents.keys()][0]!;
    await client.diagnostics(uri, (p) => p.diagnostics.some((d) => /messages: ~5000 rows, large/.test(String(d.message))));
    const hover = JSON.stringify((await client.hover(uri, 2, 8))?.contents);
    assert.match(hover, /from 2 builds measured on this server/);
    assert.equal(await client.stop(), 0);
  } finally {
    if (previous === undefined) delete process.env['PG_INDEX_GUARD_BUILD_HISTORY'];
    else process.env['PG_INDEX_GUARD_BUILD_HISTORY'] = previous;
  }
});

test('databaseUrl that cannot be reached: said once, without the password; findings as without a database', async () => {
  const client = await lintWith({ databaseUrl: 'postgres://someone:secret-pw@127.0.0.1:1/nothing' });
  const uri = [...client.documents.keys()][0]!;
  const published = await client.diagnosticsOf(uri, 1);
  assert.deepEqual(codes(published.diagnostics), ['require-concurrent-index-creation', 'require-timeouts']);
  const deadline = Date.now() + 30_000;
  while (!client.messages.some((m) => m.includes('databaseUrl')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  const said = client.messages.filter((m) => m.includes('databaseUrl'));
  assert.equal(said.length, 1, client.messages.join('\n'));
  assert.match(said[0]!, /could not read the database of "databaseUrl" \(postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/nothing\)/);
  assert.ok(!said[0]!.includes('secret-pw'));
  assert.equal(await client.stop(), 0);
});
