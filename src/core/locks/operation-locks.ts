// The lock model: which lock each operation of the neutral model takes on its table and on its
// index, what that makes wait, and for how long. Sources, PostgreSQL documentation:
// - "Explicit Locking" 13.3.1 (which command takes which mode) and Table 13.2 (conflicts);
// - CREATE INDEX: SHARE on the table ("locks out writes but not reads"); CONCURRENTLY: SHARE
//   UPDATE EXCLUSIVE, two table scans, waiting before each for the transactions that modified the
//   table and after the second for every transaction with an older snapshot;
// - DROP INDEX: ACCESS EXCLUSIVE on the table; CONCURRENTLY: waits for conflicting transactions
//   instead of locking out selects, inserts, updates and deletes;
// - REINDEX: "locks out writes but not reads of the index's parent table", and ACCESS EXCLUSIVE
//   on the index being processed, which blocks reads that use it; the planner locks every index
//   of the table, so in practice nearly every query waits. CONCURRENTLY: SHARE UPDATE EXCLUSIVE on
//   the table and its indexes for the whole process, waiting for older transactions between steps;
// - ALTER TABLE: ACCESS EXCLUSIVE unless noted; ADD UNIQUE / PRIMARY KEY builds its index under
//   it; ADD ... USING INDEX only changes the catalog (a primary key on columns not yet NOT NULL
//   first scans the table to check them);
// - CREATE TABLE: the new table is locked ACCESS EXCLUSIVE, but no one else uses it yet.
// Every lock taken inside a transaction is held until the transaction ends.

import type { MigrationFile, Operation } from '../model/migration';
import { isTableCreatedEarlier, runsInTransaction } from '../rules/helpers';
import { activitiesBlockedBy, type Activity, type LockMode } from './lock-modes';

/** How long the blocking lasts, once the lock is granted. */
export type LockDuration =
  /** The whole index build (a table scan, a sort, writing the index). */
  | 'build'
  /** A catalog change: short once the lock is granted. */
  | 'moment'
  /** Until the migration's transaction commits: the rest of the migration too. */
  | 'commit'
  /** Takes no lock on the table. */
  | 'none';

export interface OperationLock {
  /** The SQL statement the operation runs, by kind: `CREATE INDEX CONCURRENTLY`, `SET lock_timeout`... */
  statement: string;
  /** The lock on the table; null when it takes none. */
  tableLock: LockMode | null;
  /** The lock on the index it creates, drops or rebuilds; null when none (a new index, no index). */
  indexLock: LockMode | null;
  /** What waits on the table while the lock is held. Empty when nothing others use is locked. */
  blocks: Activity[];
  duration: LockDuration;
  /** It waits for transactions older than itself (CONCURRENTLY): one long transaction stalls it. */
  waitsForOlderTransactions: boolean;
  /** It builds an index (something to estimate the size and the time of). */
  buildsIndex: boolean;
  /** Runs inside the migration's transaction or a transaction block. */
  inTransaction: boolean;
  /** Plain-word caveats, each a sentence. */
  notes: string[];
}

export interface LockSituation {
  /** Runs inside a transaction (the migration's own, or a BEGIN ... COMMIT block). */
  inTransaction: boolean;
  /** The table is created earlier in the same migration: empty, and nobody else uses it yet. */
  newTable: boolean;
}

const QUEUE_NOTE =
  'While it waits for its lock, the later queries it conflicts with queue behind it: set a short lock_timeout.';
const IN_TRANSACTION_FAILS = (statement: string) => `Fails as written: ${statement} cannot run inside a transaction block.`;

/** The lock model of one operation in the situation it runs in. */
export function operationLock(operation: Operation, situation: LockSituation): OperationLock {
  const { indexBlocksReads, concurrent, ...base } = baseLock(operation);
  const blocks = activitiesBlockedBy(base.tableLock);
  if (indexBlocksReads && !blocks.includes('reads')) blocks.unshift('reads');
  const lock: OperationLock = { ...base, blocks, inTransaction: situation.inTransaction, notes: [...base.notes] };
  if (lock.tableLock === null) return lock;
  if (situation.newTable) {
    // Empty and unknown to the application: nothing of consequence waits.
    return { ...lock, blocks: [], duration: 'moment', notes: ['The table is created earlier in this migration: it is empty and nothing else uses it yet.'] };
  }
  if (situation.inTransaction) {
    if (concurrent) lock.notes.unshift(IN_TRANSACTION_FAILS(base.statement));
    else lock.duration = 'commit';
  }
  if (blocks.includes('writes')) lock.notes.push(QUEUE_NOTE);
  return lock;
}

interface BaseLock extends Omit<OperationLock, 'blocks' | 'inTransaction' | 'notes'> {
  notes: readonly string[];
  /** The index lock blocks reads of the table (the planner locks every index of a table it plans for). */
  indexBlocksReads: boolean;
  concurrent: boolean;
}

const NO_LOCK: Omit<BaseLock, 'statement'> = { tableLock: null, indexLock: null, duration: 'none', waitsForOlderTransactions: false, buildsIndex: false, indexBlocksReads: false, concurrent: false, notes: [] };

function baseLock(operation: Operation): BaseLock {
  switch (operation.kind) {
    case 'createIndex': {
      const statement = `CREATE ${operation.unique ? 'UNIQUE ' : ''}INDEX${operation.concurrent ? ' CONCURRENTLY' : ''}`;
      if (operation.runsLater) {
        return { ...NO_LOCK, statement: `${statement} (scheduled)`, notes: ['Only schedules the build: a background job builds the index concurrently after the migration.'] };
      }
      if (operation.onlyParent) {
        return { ...NO_LOCK, statement: `${statement} ON ONLY`, tableLock: 'SHARE', duration: 'moment', notes: ['ON ONLY creates the partitioned parent\'s index alone, invalid, without building anything.'] };
      }
      if (operation.concurrent) {
        return {
          ...NO_LOCK,
          statement,
          tableLock: 'SHARE UPDATE EXCLUSIVE',
          duration: 'build',
          waitsForOlderTransactions: true,
          buildsIndex: true,
          concurrent: true,
          notes: [
            'Scans the table twice; before each scan it waits for the transactions that have written to the table, and after the second for every transaction with an older snapshot.',
            'A failed or cancelled build leaves an INVALID index behind.',
          ],
        };
      }
      return { ...NO_LOCK, statement, tableLock: 'SHARE', duration: 'build', buildsIndex: true };
    }
    case 'dropIndex':
      if (operation.concurrent) {
        return {
          ...NO_LOCK,
          statement: 'DROP INDEX CONCURRENTLY',
          tableLock: 'SHARE UPDATE EXCLUSIVE',
          // Taken once the index is marked invalid and no query uses it any more.
          indexLock: 'ACCESS EXCLUSIVE',
          duration: 'moment',
          waitsForOlderTransactions: true,
          concurrent: true,
          notes: ['Waits for the transactions that may still use the index before removing it.'],
        };
      }
      return { ...NO_LOCK, statement: 'DROP INDEX', tableLock: 'ACCESS EXCLUSIVE', indexLock: 'ACCESS EXCLUSIVE', duration: 'moment', indexBlocksReads: true };
    case 'reindex': {
      const statement = `REINDEX ${operation.target.toUpperCase()}${operation.concurrent ? ' CONCURRENTLY' : ''}`;
      const several = operation.target !== 'index' ? [`${operation.target === 'table' ? 'Rebuilds every index of the table' : `Rebuilds every index in the ${operation.target}`}, one after the other.`] : [];
      if (operation.concurrent) {
        return {
          ...NO_LOCK,
          statement,
          tableLock: 'SHARE UPDATE EXCLUSIVE',
          indexLock: 'SHARE UPDATE EXCLUSIVE',
          duration: 'build',
          waitsForOlderTransactions: true,
          buildsIndex: true,
          concurrent: true,
          notes: [...several, 'Builds a new copy of each index beside the old one, then swaps them, waiting for older transactions between the steps. A failure leaves an INVALID `_ccnew` index behind.'],
        };
      }
      return {
        ...NO_LOCK,
        statement,
        tableLock: 'SHARE',
        indexLock: 'ACCESS EXCLUSIVE',
        duration: 'build',
        buildsIndex: true,
        indexBlocksReads: true,
        notes: [...several, 'The ACCESS EXCLUSIVE lock on the index blocks reads too: the planner locks every index of a table it plans a query for.'],
      };
    }
    case 'addUniqueConstraint': {
      const constraint = operation.primaryKey ? 'PRIMARY KEY' : 'UNIQUE';
      if (operation.usingIndex !== null) {
        return {
          ...NO_LOCK,
          statement: `ALTER TABLE ... ADD CONSTRAINT ... ${constraint} USING INDEX`,
          tableLock: 'ACCESS EXCLUSIVE',
          // The index is renamed to the constraint's name (pg_locks shows this mode on it).
          indexLock: 'SHARE UPDATE EXCLUSIVE',
          duration: 'moment',
          notes: operation.primaryKey ? ['A primary key on columns not yet NOT NULL first scans the whole table under the lock to check them.'] : [],
        };
      }
      return { ...NO_LOCK, statement: `ALTER TABLE ... ADD CONSTRAINT ... ${constraint}`, tableLock: 'ACCESS EXCLUSIVE', duration: 'build', buildsIndex: true, notes: ['Builds the unique index while holding the lock.'] };
    }
    case 'addForeignKey':
      // SHARE ROW EXCLUSIVE on both tables; the constraint is checked by a scan of the referencing table.
      return {
        ...NO_LOCK,
        statement: 'ALTER TABLE ... ADD FOREIGN KEY',
        tableLock: 'SHARE ROW EXCLUSIVE',
        duration: 'build',
        notes: ['Takes SHARE ROW EXCLUSIVE on the referenced table too, and scans this table to validate the key (NOT VALID skips the scan).'],
      };
    case 'dropColumn':
      return {
        ...NO_LOCK,
        statement: 'ALTER TABLE ... DROP COLUMN',
        tableLock: 'ACCESS EXCLUSIVE',
        duration: 'moment',
        notes: ['Every index on the column is dropped with it, under the same lock.'],
      };
    case 'createTable':
      return { ...NO_LOCK, statement: 'CREATE TABLE', notes: ['Locks only the new table, which nothing else uses yet.'] };
    case 'setTimeout':
      return { ...NO_LOCK, statement: `${operation.reset ? 'RESET' : operation.local ? 'SET LOCAL' : 'SET'} ${operation.setting}` };
    case 'transactionControl':
      return { ...NO_LOCK, statement: operation.action.toUpperCase(), notes: operation.action === 'begin' ? ['Every lock taken after it is held until COMMIT.'] : [] };
  }
}

/** Does the operation run inside a transaction (the migration's, the runner's, or a block)? */
export function runsInsideTransaction(file: MigrationFile, operation: Operation): boolean {
  if (operation.inTransactionBlock) return true;
  if (!runsInTransaction(file, operation)) return false;
  // Flyway runs a script that holds CREATE / DROP INDEX CONCURRENTLY outside a transaction by itself.
  if (file.dialect === 'sql' && file.sqlRunner?.leaveBy === 'automatic') {
    return !file.operations.some((o) => (o.kind === 'createIndex' || o.kind === 'dropIndex') && o.concurrent);
  }
  return true;
}

/** The lock model of an operation where it stands in its migration. */
export function lockOf(file: MigrationFile, operation: Operation): OperationLock {
  return operationLock(operation, { inTransaction: runsInsideTransaction(file, operation), newTable: isTableCreatedEarlier(file, operation) });
}
