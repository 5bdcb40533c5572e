// Samples recorded from a real PostgreSQL 18 build (2 cores, no parallel workers): CREATE INDEX
// CONCURRENTLY on 2.5 M narrow rows, first held ~1.5 s by an open UPDATE transaction, polled
// every ~110 ms with the monitor's query. The unit tests and the webview test replay them.

import type { ProgressSample } from '../progress-model';

/** [ms since the first sample, phase, blocks total, blocks done, tuples total, tuples done, lockers total, lockers done, blocker]. */
type Row = [number, string, number, number, number, number, number, number, 'W' | 'S' | null];

const ROWS: Row[] = [
  [0, 'waiting for writers before build', 0, 0, 0, 0, 1, 0, 'W'],
  [131, 'waiting for writers before build', 0, 0, 0, 0, 1, 0, 'W'],
  [306, 'waiting for writers before build', 0, 0, 0, 0, 1, 0, 'W'],
  [422, 'waiting for writers before build', 0, 0, 0, 0, 1, 0, 'W'],
  [544, 'waiting for writers before build', 0, 0, 0, 0, 1, 0, 'W'],
  [649, 'waiting for writers before build', 0, 0, 0, 0, 1, 0, 'W'],
  [754, 'waiting for writers before build', 0, 0, 0, 0, 1, 0, 'W'],
  [873, 'waiting for writers before build', 0, 0, 0, 0, 1, 0, 'W'],
  [986, 'waiting for writers before build', 0, 0, 0, 0, 1, 0, 'W'],
  [1091, 'waiting for writers before build', 0, 0, 0, 0, 1, 0, 'W'],
  [1202, 'waiting for writers before build', 0, 0, 0, 0, 1, 0, 'W'],
  [1318, 'waiting for writers before build', 0, 0, 0, 0, 1, 0, 'W'],
  [1426, 'waiting for writers before build', 0, 0, 0, 0, 1, 0, 'W'],
  [1547, 'waiting for writers before build', 0, 0, 0, 0, 1, 0, 'W'],
  [1662, 'building index: scanning table', 15924, 2487, 0, 0, 0, 0, null],
  [1767, 'building index: scanning table', 15924, 5006, 0, 0, 0, 0, null],
  [1883, 'building index: scanning table', 15924, 8401, 0, 0, 0, 0, null],
  [2002, 'building index: scanning table', 15924, 10686, 0, 0, 0, 0, null],
  [2124, 'building index: scanning table', 15924, 10686, 0, 0, 0, 0, null],
  [2229, 'building index: scanning table', 15924, 10686, 0, 0, 0, 0, null],
  [2340, 'building index: scanning table', 15924, 10686, 0, 0, 0, 0, null],
  [2449, 'building index: scanning table', 15924, 10686, 0, 0, 0, 0, null],
  [2560, 'building index: scanning table', 15924, 10686, 0, 0, 0, 0, null],
  [2665, 'building index: scanning table', 15924, 10686, 0, 0, 0, 0, null],
  [2779, 'building index: scanning table', 15924, 10686, 0, 0, 0, 0, null],
  [2895, 'building index: scanning table', 15924, 10686, 0, 0, 0, 0, null],
  [3007, 'building index: scanning table', 15924, 10686, 0, 0, 0, 0, null],
  [3119, 'building index: scanning table', 15924, 10686, 0, 0, 0, 0, null],
  [3224, 'building index: scanning table', 15924, 10686, 0, 0, 0, 0, null],
  [3329, 'building index: scanning table', 15924, 13390, 0, 0, 0, 0, null],
  [3434, 'building index: sorting live tuples', 0, 0, 2500000, 0, 0, 0, null],
  [3543, 'building index: sorting live tuples', 0, 0, 2500000, 0, 0, 0, null],
  [3650, 'building index: sorting live tuples', 0, 0, 2500000, 0, 0, 0, null],
  [3773, 'building index: sorting live tuples', 0, 0, 2500000, 0, 0, 0, null],
  [3882, 'building index: sorting live tuples', 0, 0, 2500000, 0, 0, 0, null],
  [3990, 'building index: sorting live tuples', 0, 0, 2500000, 0, 0, 0, null],
  [4107, 'building index: sorting live tuples', 0, 0, 2500000, 0, 0, 0, null],
  [4217, 'building index: sorting live tuples', 0, 0, 2500000, 0, 0, 0, null],
  [4322, 'building index: loading tuples in tree', 0, 0, 2500000, 632850, 0, 0, null],
  [4430, 'building index: loading tuples in tree', 0, 0, 2500000, 1427975, 0, 0, null],
  [4550, 'building index: loading tuples in tree', 0, 0, 2500000, 1851200, 0, 0, null],
  [4666, 'building index: loading tuples in tree', 0, 0, 2500000, 2452190, 0, 0, null],
  [4782, 'index validation: scanning index', 2337, 980, 0, 0, 0, 0, null],
  [4906, 'index validation: sorting tuples', 0, 0, 0, 0, 0, 0, null],
  [5015, 'index validation: sorting tuples', 0, 0, 0, 0, 0, 0, null],
  [5124, 'index validation: sorting tuples', 0, 0, 0, 0, 0, 0, null],
  [5239, 'index validation: sorting tuples', 0, 0, 0, 0, 0, 0, null],
  [5350, 'index validation: sorting tuples', 0, 0, 0, 0, 0, 0, null],
  [5473, 'index validation: sorting tuples', 0, 0, 0, 0, 0, 0, null],
  [5588, 'index validation: scanning table', 15924, 6119, 0, 0, 0, 0, null],
  [5698, 'waiting for old snapshots', 15924, 15923, 0, 0, 1, 0, 'S'],
];

export const RECORDED_PIDS = { builder: 6067, writer: 6071, monitor: 6070 } as const;
export const RECORDED_START = 1795476303792.976;
const FIRST_SAMPLE = 1795476303817.794;
const STATEMENT = 'CREATE INDEX CONCURRENTLY index_messages_on_conversation_id ON messages (conversation_id)';
const WRITER_QUERY = 'UPDATE messages SET status = status WHERE id = 7';

/** The recorded build as (time, sample) pairs; `S` in the last row is the monitor's own query. */
export function recordedConcurrentBuild(): Array<{ at: number; sample: ProgressSample }> {
  return ROWS.map(([dt, phase, blocksTotal, blocksDone, tuplesTotal, tuplesDone, lockersTotal, lockersDone, blocker]) => {
    const blockerPid = blocker === 'W' ? RECORDED_PIDS.writer : blocker === 'S' ? RECORDED_PIDS.monitor : null;
    return {
      at: FIRST_SAMPLE + dt,
      sample: {
        pid: RECORDED_PIDS.builder,
        database: 'postgres',
        relid: 16384,
        indexRelid: 16387,
        schema: 'public',
        table: 'messages',
        index: 'index_messages_on_conversation_id',
        command: 'CREATE INDEX CONCURRENTLY',
        phase,
        hidden: false,
        lockersTotal,
        lockersDone,
        currentLockerPid: blockerPid,
        blocksTotal,
        blocksDone,
        tuplesTotal,
        tuplesDone,
        partitionsTotal: 0,
        partitionsDone: 0,
        query: STATEMENT,
        queryStart: RECORDED_START,
        xactStart: RECORDED_START,
        state: 'active',
        waitEventType: blockerPid !== null ? 'Lock' : null,
        waitEvent: blockerPid !== null ? 'virtualxid' : null,
        blockerPid,
        blockerQuery: blocker === 'W' ? WRITER_QUERY : blocker === 'S' ? 'WITH p AS ( SELECT p.pid, p.datname, ...' : null,
        blockerState: blocker === 'W' ? 'idle in transaction' : blocker === 'S' ? 'active' : null,
      },
    };
  });
}
