// The two writes the build monitor offers: cancel a running index build, and drop the INVALID
// index a cancelled or failed concurrent build leaves behind.
//
// Both change the database. The caller (the extension's command, the CLI) asks the user for
// confirmation first, and runs them over a connection that may write, never over the read-only
// monitoring session (pg_cancel_backend works there too, DROP INDEX does not).

import { dropInvalidIndexSql } from '../sql-text';

export interface WriteQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * Cancellations asked for through cancelBuild(), so that the monitor can tell a cancelled build
 * from a failed one (pg_stat_activity does not say why a statement ended).
 */
export class CancelRequests {
  private readonly requests = new Map<number, number>();

  constructor(private readonly keepMs = 60 * 60_000) {}

  note(pid: number, at = Date.now()): void {
    this.prune(at);
    this.requests.set(pid, at);
  }

  /** A cancellation of `pid` was asked for at or after `since` (epoch ms, local clock). */
  wasRequested(pid: number, since: number): boolean {
    const at = this.requests.get(pid);
    return at !== undefined && at >= since;
  }

  forget(pid: number): void {
    this.requests.delete(pid);
  }

  private prune(now: number): void {
    for (const [pid, at] of this.requests) if (now - at > this.keepMs) this.requests.delete(pid);
  }
}

/** The process-wide registry the monitor reads by default. */
export const cancelRequests = new CancelRequests();

export type CancelResult =
  | { cancelled: true }
  /** The backend no longer builds an index (finished meanwhile), so nothing was signalled. */
  | { cancelled: false; reason: 'not-building' }
  /** pg_cancel_backend returned false (no such backend, or not allowed: needs the same role or pg_signal_backend). */
  | { cancelled: false; reason: 'refused' };

/**
 * Cancels the index build running in backend `pid` (`SELECT pg_cancel_backend($1)`), and only
 * if that backend is building an index right now: a pid whose build just ended may already run
 * something else. A cancelled CREATE INDEX CONCURRENTLY leaves an INVALID index; offer
 * dropInvalidIndexConcurrently() next.
 *
 * Writes (interrupts another session): ask the user for confirmation before calling it.
 */
export async function cancelBuild(client: WriteQueryable, pid: number, registry: CancelRequests = cancelRequests): Promise<CancelResult> {
  if (!Number.isInteger(pid) || pid <= 0) throw new RangeError(`not a backend pid: ${pid}`);
  // Noted first: the build may end (and the monitor judge it) before this query returns.
  registry.note(pid);
  const result = await client.query(
    `SELECT pg_cancel_backend(p.pid) AS cancelled
       FROM pg_stat_progress_create_index p
      WHERE p.pid = $1::int`,
    [pid],
  );
  const row = result.rows[0] as { cancelled?: unknown } | undefined;
  if (!row) {
    registry.forget(pid);
    return { cancelled: false, reason: 'not-building' };
  }
  if (row.cancelled !== true) {
    registry.forget(pid);
    return { cancelled: false, reason: 'refused' };
  }
  return { cancelled: true };
}

export type DropResult =
  | { dropped: true }
  | { dropped: false; reason: 'missing' | 'valid' | 'build-in-progress' };

/**
 * Drops an INVALID index with `DROP INDEX CONCURRENTLY IF EXISTS "schema"."index"` (identifiers
 * quoted by src/db/sql-text). Refuses a valid index and one whose concurrent build is still
 * running (it is INVALID until the build ends). Must run outside a transaction block: the
 * client must not be inside BEGIN.
 *
 * Writes: ask the user for confirmation before calling it.
 */
export async function dropInvalidIndexConcurrently(client: WriteQueryable, schema: string, index: string): Promise<DropResult> {
  const sql = dropInvalidIndexSql(schema, index); // validates both names before anything runs
  const check = await client.query(
    `SELECT x.indisvalid AS valid,
            EXISTS (SELECT 1 FROM pg_stat_progress_create_index p
                     WHERE p.datname = current_database() AND p.index_relid = x.indexrelid) AS building
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_namespace n ON n.oid = i.relnamespace
      WHERE n.nspname = $1::text AND i.relname = $2::text`,
    [schema, index],
  );
  const row = check.rows[0] as { valid?: unknown; building?: unknown } | undefined;
  if (!row) return { dropped: false, reason: 'missing' };
  if (row.valid === true) return { dropped: false, reason: 'valid' };
  if (row.building === true) return { dropped: false, reason: 'build-in-progress' };
  await client.query(sql);
  return { dropped: true };
}
