// The embedded PostgreSQL the database benchmark sections run on: one throwaway server and
// database per section, its clients closed and the server stopped by close() (also on failure,
// when called from a finally).
import { availableParallelism, cpus } from 'node:os';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedServer } from '../lib/embedded-postgres';

const PASSWORD = 'pgig-bench';

export interface BenchDatabase {
  server: EmbeddedServer;
  /** Connection URL of the section's database. */
  url: string;
  /** A new client on the section's database; closed by close(). */
  connect(): Promise<pg.Client>;
  /** `PostgreSQL 18.x, 2 cores (model)`: the line a section prints first. */
  describe(): Promise<string>;
  close(): Promise<void>;
}

export async function startBenchDatabase(database: string, options: { postgresFlags?: string[] } = {}): Promise<BenchDatabase> {
  const server = await startEmbeddedPostgres({ password: PASSWORD, ...options });
  const clients: pg.Client[] = [];
  const url = server.url(database);
  const connect = async (): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    return client;
  };
  try {
    await server.createDatabase(database);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    server,
    url,
    connect,
    async describe() {
      const client = await connect();
      const version = (await client.query<{ v: string }>('SELECT current_setting($1) AS v', ['server_version'])).rows[0]!.v;
      return `PostgreSQL ${version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'})`;
    },
    async close() {
      for (const client of clients) await client.end().catch(() => undefined);
      await server.stop();
    },
  };
}
