// `npm start`: the product on an embedded default. Starts an embedded PostgreSQL with a
// seeded chat schema, copies the sample Rails app to a scratch folder, and serves VS Code
// (the server build) with this extension loaded. Ctrl-C stops everything and cleans up.
//
//   npm start -- [--port 8123] [--scale 1] [--app test/fixtures/rails-app]
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { startEmbeddedPostgres } from './lib/embedded-postgres';
import { seedChatTables } from './lib/seed';
// @ts-expect-error plain ESM helper shared with the test runner
import { ensureVsCodeServer, startVsCodeServer, workbenchUrl } from './vscode-server.mjs';

const root = resolve(__dirname, '..');
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '8123' },
    scale: { type: 'string', default: process.env.PGIG_SANDBOX_SCALE ?? '1' },
    app: { type: 'string', default: join(root, 'test/fixtures/rails-app') },
  },
});
const scale = Number(values.scale);
if (!(scale > 0)) throw new Error('--scale must be a positive number (1 = one million messages)');

const work = mkdtempSync(join(tmpdir(), 'pgig-sandbox-'));
chmodSync(work, 0o777); // the embedded server runs as the postgres user when we are root
const stoppers: Array<() => Promise<void>> = [];
let stopping = false;
async function stopAll(code: number): Promise<void> {
  if (stopping) return; // the first caller finishes the job and exits
  stopping = true;
  console.log('\nstopping the sandbox…');
  for (const stop of stoppers.reverse()) await stop().catch((e) => console.error(String(e)));
  rmSync(work, { recursive: true, force: true });
  console.log('sandbox stopped; nothing left running.');
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

async function main(): Promise<void> {
  const vscodeDir = ensureVsCodeServer();
  const password = 'sandbox';
  console.log('starting PostgreSQL…');
  const postgres = await startEmbeddedPostgres({ password });
  stoppers.push(() => postgres.stop());
  await postgres.createDatabase('chat_development');
  const databaseUrl = postgres.url('chat_development');
  const pgPort = postgres.port;

  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  console.log(`seeding messages, conversations, contacts and notifications (scale ${scale})…`);
  const rows = await seedChatTables(client, scale);
  // The first migration has run; the others are pending.
  await client.query('CREATE TABLE schema_migrations (version varchar PRIMARY KEY)');
  await client.query("INSERT INTO schema_migrations VALUES ('20240101000000')");
  await client.end();

  const workspace = join(work, 'chat-app');
  cpSync(values.app!, workspace, { recursive: true });
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  writeFileSync(join(workspace, '.env'), `DATABASE_URL=${databaseUrl}\n`);
  writeFileSync(
    join(workspace, '.vscode/settings.json'),
    JSON.stringify({ 'pgIndexGuard.largeTables': ['messages', 'conversations', 'contacts', 'notifications'], 'pgIndexGuard.autoConnect': true }, null, 2),
  );

  // The sandbox's user is a first-time user: the extension opens its Get Started walkthrough
  // (VS Code does that on install, and an extension under development is not installed).
  const server = await startVsCodeServer({
    vscodeDir,
    dataDir: join(work, 'vscode'),
    port: Number(values.port) || undefined,
    env: { PGIG_SANDBOX_WALKTHROUGH: '1' },
  });
  stoppers.push(() => server.stop());
  const url = workbenchUrl(server.port, { folder: workspace, extensionDevelopmentPath: root });
  console.log('');
  console.log(`PostgreSQL 18 on 127.0.0.1:${pgPort}, database chat_development: ${Object.entries(rows).map(([t, n]) => `${t} ${n.toLocaleString('en')}`).join(', ')}`);
  console.log(`sample app: ${workspace}`);
  console.log('');
  console.log('PG Index Guard sandbox is ready. Open:');
  console.log(`  ${url}`);
  console.log('then open db/migrate/20240301120000_add_index_to_messages_on_conversation_id.rb. Ctrl-C stops everything.');
  server.process.once('exit', () => {
    if (!stopping) console.error('the VS Code server stopped unexpectedly');
    void stopAll(1);
  });
}

main().catch(async (error) => {
  console.error(error instanceof Error ? error.message : String(error));
  await stopAll(1);
});
