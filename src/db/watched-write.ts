// A write that may wait on locks (DROP INDEX CONCURRENTLY waits for every transaction that
// touched the table, an idle-in-transaction session included): while it runs, a second
// connection says whom it waits for, and cancelling it sends pg_cancel_backend from there.
import type pg from 'pg';
import type { ClientConfig } from 'pg';
import { withWriteConnection } from './write-connection';

/** A session the write waits for (pg_blocking_pids of the writer). */
export interface WriteBlocker {
  pid: number;
  state: string | null;
  query: string | null;
  /** Age of its open transaction, when it has one. */
  transactionSeconds: number | null;
}

export interface WatchedWriteOptions {
  signal?: AbortSignal;
  /** Called on every poll while the write waits (non-empty), and with [] once it no longer does. */
  onWaiting?: (blockers: WriteBlocker[]) => void;
  /** Poll interval (default 1 s). */
  pollMs?: number;
}

/** The user cancelled the write; PostgreSQL rolled the statement back. */
export class WriteCancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'WriteCancelledError';
  }
}

const BLOCKERS_SQL = `
SELECT b.pid, b.state, b.query, extract(epoch FROM clock_timestamp() - b.xact_start)::float8 AS transaction_seconds
  FROM unnest(pg_blocking_pids($1::int)) AS blocker(pid)
  JOIN pg_stat_activity b ON b.pid = blocker.pid
 ORDER BY b.xact_start NULLS LAST, b.pid`;

/**
 * Runs `work` on a write connection (see withWriteConnection) while a second connection watches
 * it. Writes: the caller asks the user first. Rejects with WriteCancelledError when `signal`
 * aborted it.
 */
export async function runWatchedWrite<T>(configs: readonly ClientConfig[], work: (client: pg.Client) => Promise<T>, options: WatchedWriteOptions = {}): Promise<T> {
  if (options.signal?.aborted) throw new WriteCancelledError();
  const CANCELLED = Symbol('cancelled');
  // withWriteConnection wraps what its callback throws: the cancellation comes out as a value.
  const outcome = await withWriteConnection(configs, async (client): Promise<T | typeof CANCELLED> => {
    const pid = Number((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
    let finished = false;
    let cancelled = false;
    const running = work(client).finally(() => {
      finished = true;
    });
    const watch = withWriteConnection(configs, async (watcher) => {
      let wasWaiting = false;
      const cancel = () => {
        cancelled = true;
        void watcher.query('SELECT pg_cancel_backend($1::int)', [pid]).catch(() => undefined);
      };
      options.signal?.addEventListener('abort', cancel, { once: true });
      if (options.signal?.aborted) cancel();
      try {
        while (!finished) {
          // A cancel that reached the backend before the statement did changed nothing: repeat it.
          if (cancelled) cancel();
          const rows = (await watcher.query(BLOCKERS_SQL, [pid])).rows as Record<string, unknown>[];
          if (finished) break;
          const blockers = rows.map((r) => ({
            pid: Number(r['pid']),
            state: r['state'] == null ? null : String(r['state']),
            query: r['query'] == null ? null : String(r['query']),
            transactionSeconds: r['transaction_seconds'] == null ? null : Number(r['transaction_seconds']),
          }));
          if (blockers.length > 0 || wasWaiting) options.onWaiting?.(blockers);
          wasWaiting = blockers.length > 0;
          await Promise.race([running.catch(() => undefined), new Promise((r) => setTimeout(r, options.pollMs ?? 1_000))]);
        }
      } finally {
        options.signal?.removeEventListener('abort', cancel);
      }
    }).catch(() => undefined); // watching is a courtesy: the write goes on without it
    try {
      return await running;
    } catch (error) {
      if (cancelled && (error as { code?: string }).code === '57014') return CANCELLED;
      throw error;
    } finally {
      await watch;
    }
  });
  if (outcome === CANCELLED) throw new WriteCancelledError();
  return outcome as T;
}
