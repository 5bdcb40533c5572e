// Anything that writes (drop an invalid index, cancel a build, create an index, mark a
// migration as run) goes through a short-lived connection of its own, never through the
// read-only monitoring session. Callers ask the user first.
import pg from 'pg';
import type { ClientConfig } from 'pg';
import { DbError, describeConnectionError } from './errors';

export const WRITER_APPLICATION_NAME = 'pg-index-guard maintenance';

/** Opens a connection (trying each config in order, as libpq's sslmode does), runs `work`, closes. */
export async function withWriteConnection<T>(configs: readonly ClientConfig[], work: (client: pg.Client) => Promise<T>): Promise<T> {
  let lastError: unknown = new Error('no connection config');
  for (const config of configs) {
    const client = new pg.Client({ ...config, application_name: WRITER_APPLICATION_NAME });
    // A dropped connection emits 'error' on the client; without a listener it would crash the host.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      lastError = error;
      await client.end().catch(() => undefined);
      continue;
    }
    try {
      return await work(client);
    } catch (error) {
      if (error instanceof DbError) throw error;
      throw new DbError(describeConnectionError(error), error);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw new DbError(describeConnectionError(lastError), lastError);
}
