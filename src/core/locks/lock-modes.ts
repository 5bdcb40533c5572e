// PostgreSQL's table-level lock modes and their conflicts, as the documentation's "Explicit
// Locking" chapter lists them (13.3.1, Table 13.2 "Conflicting Lock Modes"). Everything the lock
// model says a statement blocks is derived from this table, not written by hand per statement.

/** From the weakest to the strongest. */
export const LOCK_MODES = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
] as const;

export type LockMode = (typeof LOCK_MODES)[number];

/** Table 13.2: the modes each mode conflicts with (the relation is symmetric). */
const CONFLICTS: Record<LockMode, readonly LockMode[]> = {
  'ACCESS SHARE': ['ACCESS EXCLUSIVE'],
  'ROW SHARE': ['EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'ROW EXCLUSIVE': ['SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'SHARE UPDATE EXCLUSIVE': ['SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  SHARE: ['ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'SHARE ROW EXCLUSIVE': ['ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  EXCLUSIVE: ['ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'ACCESS EXCLUSIVE': [...LOCK_MODES],
};

export function conflicts(held: LockMode, requested: LockMode): boolean {
  return CONFLICTS[held].includes(requested);
}

/** The stronger of two modes (null means no lock). */
export function strongerLock(a: LockMode | null, b: LockMode | null): LockMode | null {
  if (a === null) return b;
  if (b === null) return a;
  return LOCK_MODES.indexOf(a) >= LOCK_MODES.indexOf(b) ? a : b;
}

/** What the application and the server do on a table, as the lock model reports blocking it. */
export type Activity = 'reads' | 'writes' | 'ddl' | 'autovacuum';

export const ACTIVITIES: readonly Activity[] = ['reads', 'writes', 'ddl', 'autovacuum'];

/**
 * The lock each activity takes on the table (13.3.1): SELECT takes ACCESS SHARE; INSERT, UPDATE,
 * DELETE and MERGE take ROW EXCLUSIVE; VACUUM (without FULL) and ANALYZE, which autovacuum runs,
 * take SHARE UPDATE EXCLUSIVE; ALTER TABLE, DROP and most other DDL take ACCESS EXCLUSIVE.
 */
export const ACTIVITY_LOCK: Record<Activity, LockMode> = {
  reads: 'ACCESS SHARE',
  writes: 'ROW EXCLUSIVE',
  autovacuum: 'SHARE UPDATE EXCLUSIVE',
  ddl: 'ACCESS EXCLUSIVE',
};

/** Plain words for each activity, for hovers and the CLI. */
export const ACTIVITY_WORDS: Record<Activity, string> = {
  reads: 'reads (SELECT)',
  writes: 'writes (INSERT, UPDATE, DELETE)',
  ddl: 'other DDL (ALTER TABLE, DROP INDEX, concurrent index builds)',
  autovacuum: 'autovacuum (VACUUM and ANALYZE skip the table)',
};

/** The activities a lock of this mode on a table makes wait, in ACTIVITIES order. */
export function activitiesBlockedBy(mode: LockMode | null): Activity[] {
  if (mode === null) return [];
  return ACTIVITIES.filter((activity) => conflicts(mode, ACTIVITY_LOCK[activity]));
}
