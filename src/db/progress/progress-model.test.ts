import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BuildTracker,
  decideOutcome,
  indexNameFromStatement,
  locatePhase,
  overallFraction,
  phaseCounter,
  phaseLabel,
  PHASES,
  phasesFor,
  reportedIndexName,
  timelineFor,
  type FinishingBuild,
  type ProgressCounters,
  type ProgressSample,
  type TrackedFacts,
} from './progress-model';
import { recordedConcurrentBuild, RECORDED_PIDS, RECORDED_START } from './testing/recorded-builds';

const zero: ProgressCounters = { lockersTotal: 0, lockersDone: 0, blocksTotal: 0, blocksDone: 0, tuplesTotal: 0, tuplesDone: 0, partitionsTotal: 0, partitionsDone: 0 };

test('each command goes through the phases PostgreSQL reports for it, in order', () => {
  const build = [PHASES.buildScanTable, PHASES.buildSortLive, PHASES.buildSortDead, PHASES.buildLoadTree];
  const concurrent = [
    'initializing',
    'waiting for writers before build',
    ...build,
    'waiting for writers before validation',
    'index validation: scanning index',
    'index validation: sorting tuples',
    'index validation: scanning table',
    'waiting for old snapshots',
  ];
  const cases: Array<[string, string[]]> = [
    ['CREATE INDEX', ['initializing', ...build]],
    ['REINDEX', ['initializing', ...build]],
    ['CREATE INDEX CONCURRENTLY', concurrent],
    ['REINDEX CONCURRENTLY', [...concurrent, 'waiting for readers before marking dead', 'waiting for readers before dropping']],
  ];
  for (const [command, phases] of cases) {
    assert.deepEqual(
      phasesFor(command).map((s) => s.phase),
      phases,
      command,
    );
    for (const [i, phase] of phases.entries()) assert.equal(locatePhase(command, phase).index, i, `${command}: ${phase}`);
  }
  assert.equal(locatePhase('CREATE INDEX', 'waiting for old snapshots').index, -1);
});

test('other access methods report "building index" alone or with their own sub-phase: one step spans the build', () => {
  for (const phase of ['building index', 'building index: scanning table (gin)']) {
    const position = locatePhase('CREATE INDEX CONCURRENTLY', phase);
    assert.equal(position.genericBuild, true, phase);
    assert.equal(position.index, 2);
    assert.equal(position.span, 4);
    assert.equal(position.step?.counter, 'auto');
  }
  assert.equal(phaseLabel('CREATE INDEX', 'building index'), 'Build index');
  assert.equal(phaseLabel('CREATE INDEX', 'building index: summarizing'), 'Build: summarizing');
  assert.equal(phaseLabel('CREATE INDEX', 'something new in PostgreSQL 19'), 'something new in PostgreSQL 19');
});

test('the percent of the current phase comes from the counter PostgreSQL fills in for that phase', () => {
  const cases: Array<[phase: string, counters: Partial<ProgressCounters>, expected: [kind: string, percent: number] | null]> = [
    ['initializing', {}, null],
    ['waiting for writers before build', { lockersTotal: 2, lockersDone: 1 }, ['lockers', 50]],
    ['waiting for writers before build', { lockersTotal: 0 }, null],
    ['building index: scanning table', { blocksTotal: 15924, blocksDone: 8401 }, ['blocks', 52.8]],
    ['building index: scanning table', { blocksTotal: 0, blocksDone: 0 }, null],
    // the scan's counters stay set while sorting: a sort has no progress of its own
    ['building index: sorting live tuples', { blocksTotal: 15924, blocksDone: 15924 }, null],
    ['building index: sorting dead tuples', { tuplesTotal: 10, tuplesDone: 3 }, null],
    ['building index: loading tuples in tree', { tuplesTotal: 2_500_000, tuplesDone: 1_427_975 }, ['tuples', 57.1]],
    ['waiting for writers before validation', { lockersTotal: 1, lockersDone: 0 }, ['lockers', 0]],
    ['index validation: scanning index', { blocksTotal: 2337, blocksDone: 1762 }, ['blocks', 75.4]],
    ['index validation: sorting tuples', {}, null],
    ['index validation: scanning table', { blocksTotal: 15924, blocksDone: 6119 }, ['blocks', 38.4]],
    ['waiting for old snapshots', { lockersTotal: 3, lockersDone: 3 }, ['lockers', 100]],
    ['waiting for readers before marking dead', { lockersTotal: 4, lockersDone: 1 }, ['lockers', 25]],
    ['waiting for readers before dropping', { lockersTotal: 1, lockersDone: 0 }, ['lockers', 0]],
    ['building index', { blocksTotal: 100, blocksDone: 25 }, ['blocks', 25]],
    ['building index', { tuplesTotal: 100, tuplesDone: 75 }, ['tuples', 75]],
    // counters above their total (a racing update) are clamped
    ['building index: scanning table', { blocksTotal: 10, blocksDone: 12 }, ['blocks', 100]],
  ];
  for (const [phase, counters, expected] of cases) {
    const position = locatePhase('REINDEX CONCURRENTLY', phase);
    const counter = phaseCounter(position.step, { ...zero, ...counters });
    const actual = counter ? [counter.kind, Math.round((counter.done / counter.total) * 1000) / 10] : null;
    assert.deepEqual(actual, expected, phase);
  }
});

test('the overall percent weights the phases: 0 at the start, 100 at the end, growing through the steps', () => {
  for (const command of ['CREATE INDEX', 'REINDEX', 'CREATE INDEX CONCURRENTLY', 'REINDEX CONCURRENTLY']) {
    const steps = phasesFor(command);
    assert.equal(overallFraction(command, steps[0]!.phase, 0), 0, command);
    assert.equal(overallFraction(command, steps[steps.length - 1]!.phase, 1), 1, command);
    let previousEnd = 0;
    for (const s of steps) {
      const start = overallFraction(command, s.phase, 0)!;
      const end = overallFraction(command, s.phase, 1)!;
      assert.ok(Math.abs(start - previousEnd) < 1e-9, `${command}: ${s.phase} starts where the previous phase ended`);
      assert.ok(end >= start);
      previousEnd = end;
    }
  }
  // the table scan is the biggest share of a concurrent build; waits are nearly free
  const concurrent = 'CREATE INDEX CONCURRENTLY';
  const share = (phase: string) => overallFraction(concurrent, phase, 1)! - overallFraction(concurrent, phase, 0)!;
  assert.ok(share(PHASES.buildScanTable) > 0.4);
  assert.ok(share(PHASES.waitWritersBeforeBuild) < 0.02);
  // a plain CREATE INDEX is the build alone: its scan weighs more there
  assert.ok(overallFraction('CREATE INDEX', PHASES.buildScanTable, 1)! > overallFraction(concurrent, PHASES.buildScanTable, 1)!);
  // partitioned: one of four partitions built, the second half way
  const half = overallFraction('CREATE INDEX', PHASES.buildSortLive, 0)!;
  assert.equal(overallFraction('CREATE INDEX', PHASES.buildSortLive, 0, { done: 1, total: 4 }), (1 + half) / 4);
  assert.equal(overallFraction('CREATE INDEX', 'no such phase', 0), null);
});

test('the timeline marks the phases before the current one done; optional ones only when taken', () => {
  const timeline = timelineFor('CREATE INDEX CONCURRENTLY', PHASES.validateScanIndex, new Set([PHASES.buildScanTable]));
  assert.deepEqual(
    timeline.map((s) => `${s.status}:${s.label}`),
    [
      'done:Initialize',
      'done:Wait for writers (build)',
      'done:Build: scan table',
      'done:Build: sort',
      'done:Build: load tree',
      'done:Wait for writers (validation)',
      'current:Validate: scan index',
      'pending:Validate: sort',
      'pending:Validate: scan table',
      'pending:Wait for old snapshots',
    ],
  );
  const unique = timelineFor('CREATE INDEX', PHASES.buildLoadTree, new Set([PHASES.buildSortDead]));
  assert.ok(unique.some((s) => s.phase === PHASES.buildSortDead && s.status === 'done'));
  const gin = timelineFor('CREATE INDEX', 'building index');
  assert.deepEqual(
    gin.map((s) => `${s.status}:${s.label}`),
    ['done:Initialize', 'current:Build index'],
  );
});

test('replaying a recorded build: percents never go back, waits name the session and give no ETA', () => {
  const recorded = recordedConcurrentBuild();
  const tracker = new BuildTracker(recorded[0]!.sample, recorded[0]!.at);
  const views = recorded.map(({ sample, at }) => tracker.update(sample, at, { monitorPid: RECORDED_PIDS.monitor }).view);
  for (let i = 1; i < views.length; i++) {
    const [a, b] = [views[i - 1]!, views[i]!];
    assert.ok(b.overallPercent >= a.overallPercent, `overall ${a.overallPercent} -> ${b.overallPercent}`);
    if (a.phase === b.phase && a.phasePercent !== null && b.phasePercent !== null) assert.ok(b.phasePercent >= a.phasePercent);
  }
  const waiting = views[0]!;
  assert.equal(waiting.phaseLabel, 'Waiting for writers before build');
  assert.equal(waiting.waiting, true);
  assert.equal(waiting.etaSeconds, null);
  assert.deepEqual(waiting.waitingOn, { pid: RECORDED_PIDS.writer, query: 'UPDATE messages SET status = status WHERE id = 7', state: 'idle in transaction', self: false });
  assert.deepEqual(waiting.lockers, { done: 0, total: 1 });
  assert.equal(waiting.table, 'messages');
  assert.equal(waiting.index, 'index_messages_on_conversation_id');
  assert.equal(waiting.concurrent, true);
  assert.ok(Math.abs(waiting.elapsedSeconds - 0.025) < 0.001);
  assert.equal(waiting.startedAt, RECORDED_START);

  const building = views.filter((v) => !v.waiting);
  assert.ok(building.length > 30);
  // The time between samples that both showed it waiting: what a build-time measurement leaves out.
  const waitedBetweenSamples = recorded.reduce((sum, r, i) => (i > 0 && views[i - 1]!.waiting && views[i]!.waiting ? sum + (r.at - recorded[i - 1]!.at) / 1000 : sum), 0);
  assert.ok(waitedBetweenSamples > 0, 'the recording starts with a wait');
  assert.equal(views.at(-1)!.waitedSeconds, Math.round(waitedBetweenSamples * 10) / 10);
  assert.ok(views.at(-1)!.waitedSeconds < views.at(-1)!.elapsedSeconds);
  assert.ok(building.slice(2).every((v) => v.etaSeconds !== null), 'an ETA once the build runs');
  assert.ok(building.every((v) => v.waitingOn === null));
  const scan = views.find((v) => v.phase === PHASES.buildScanTable)!;
  assert.deepEqual(scan.counter, { kind: 'blocks', done: 2487, total: 15924 });
  assert.equal(scan.phasePercent, 15.6);

  // the last sample waits for the monitor's own query (an "old snapshot" for a few milliseconds)
  const last = views[views.length - 1]!;
  assert.equal(last.phase, PHASES.waitOldSnapshots);
  assert.equal(last.waitingOn?.self, true);
  assert.ok(last.overallPercent > 97);
  assert.equal(last.timeline.filter((s) => s.status === 'done').length, 9);
});

/** A synthetic build whose table scan advances `blocksPerSecond`; other phases follow instantly. */
function scanSample(blocksDone: number, overrides: Partial<ProgressSample> = {}): ProgressSample {
  return {
    ...zero,
    pid: 1,
    database: 'app',
    relid: 1,
    indexRelid: 2,
    schema: 'public',
    table: 't',
    index: 'i',
    command: 'CREATE INDEX',
    phase: PHASES.buildScanTable,
    hidden: false,
    blocksTotal: 1000,
    blocksDone,
    currentLockerPid: null,
    query: null,
    queryStart: 0,
    xactStart: 0,
    state: 'active',
    waitEventType: null,
    waitEvent: null,
    blockerPid: null,
    blockerQuery: null,
    blockerState: null,
    ...overrides,
  };
}

test('the ETA follows the smoothed rate and converges on a steady build', () => {
  const tracker = new BuildTracker(scanSample(0), 0, { smoothingSeconds: 5 });
  // 10 blocks a second of 1000: the scan is ~53 % of a plain build, so the whole takes ~189 s
  const share = overallFraction('CREATE INDEX', PHASES.buildScanTable, 1)! - overallFraction('CREATE INDEX', PHASES.buildScanTable, 0)!;
  const total = 100 / (share * 100);
  let view = tracker.update(scanSample(0), 0).view;
  assert.equal(view.etaSeconds, null);
  for (let s = 1; s <= 60; s++) view = tracker.update(scanSample(10 * s), s * 1000).view;
  const trueRemaining = total - 60;
  assert.ok(Math.abs(view.etaSeconds! - trueRemaining) / trueRemaining < 0.05, `eta ${view.etaSeconds} vs ${trueRemaining}`);
});

test('time spent waiting does not slow the rate down, and a counterless sort keeps moving at the earlier rate', () => {
  const tracker = new BuildTracker(scanSample(0), 0, { smoothingSeconds: 5 });
  for (let s = 0; s <= 30; s++) tracker.update(scanSample(10 * s), s * 1000);
  const before = tracker.view!.etaSeconds!;
  // held 60 s on a lock (pg_blocking_pids names the session)
  for (let s = 31; s <= 90; s++) {
    const v = tracker.update(scanSample(300, { waitEventType: 'Lock', waitEvent: 'relation', blockerPid: 99, blockerQuery: 'LOCK t' }), s * 1000).view;
    assert.equal(v.etaSeconds, null);
    assert.equal(v.waitingOn?.pid, 99);
  }
  const after = tracker.update(scanSample(310), 91_000).view;
  assert.ok(after.etaSeconds! <= before, `eta after the wait ${after.etaSeconds} vs ${before} before`);

  // the sort: no counter, the bar moves at the rate seen before, but never past 90 % of the sort's share
  const sortStart = overallFraction('CREATE INDEX', PHASES.buildSortLive, 0)! * 100;
  const sortEnd = overallFraction('CREATE INDEX', PHASES.buildSortLive, 1)! * 100;
  tracker.update(scanSample(1000, { phase: PHASES.buildSortLive }), 100_000);
  const early = tracker.update(scanSample(1000, { phase: PHASES.buildSortLive }), 102_000).view;
  assert.equal(early.phasePercent, null);
  assert.ok(early.overallPercent > sortStart);
  const late = tracker.update(scanSample(1000, { phase: PHASES.buildSortLive }), 1_000_000).view;
  assert.ok(late.overallPercent <= sortStart + 0.9 * (sortEnd - sortStart) + 0.1);
  assert.ok(late.overallPercent >= early.overallPercent);
});

test('the index a statement names', () => {
  const cases: Array<[string | null, { schema: string | null; name: string } | null]> = [
    ['CREATE INDEX CONCURRENTLY index_messages_on_user_id ON messages (user_id)', { schema: null, name: 'index_messages_on_user_id' }],
    ['create unique index concurrently if not exists "Foo Bar" on t (c)', { schema: null, name: 'Foo Bar' }],
    ['CREATE INDEX Idx_Mixed ON t (c)', { schema: null, name: 'idx_mixed' }],
    ['CREATE INDEX "a""b" ON t (c)', { schema: null, name: 'a"b' }],
    ['/*application:Chat,controller:migrations*/ CREATE INDEX idx ON t (c)', { schema: null, name: 'idx' }],
    ['-- add an index\nCREATE INDEX idx2 ON t (c)', { schema: null, name: 'idx2' }],
    ['CREATE INDEX ON t (c)', null],
    ['CREATE INDEX CONCURRENTLY ON t (c)', null],
    ['CREATE INDEX CONCURRENTLY IF NOT EXISTS ON t (c)', null],
    ['REINDEX INDEX CONCURRENTLY public.idx', { schema: 'public', name: 'idx' }],
    ['REINDEX (VERBOSE) INDEX "S"."I"', { schema: 'S', name: 'I' }],
    ['REINDEX TABLE CONCURRENTLY messages', null],
    ['SELECT 1', null],
    [null, null],
  ];
  for (const [query, expected] of cases) assert.deepEqual(indexNameFromStatement(query), expected, String(query));
});

test('REINDEX CONCURRENTLY reports its _ccnew copy: the original name is the one shown and checked', () => {
  assert.equal(reportedIndexName('REINDEX CONCURRENTLY', 'index_messages_on_user_id_ccnew'), 'index_messages_on_user_id');
  assert.equal(reportedIndexName('REINDEX CONCURRENTLY', 'index_messages_on_user_id_ccnew1'), 'index_messages_on_user_id');
  assert.equal(reportedIndexName('REINDEX CONCURRENTLY', 'index_messages_on_user_id_ccold'), 'index_messages_on_user_id');
  assert.equal(reportedIndexName('REINDEX CONCURRENTLY', 'index_messages_on_user_id'), 'index_messages_on_user_id');
  assert.equal(reportedIndexName('CREATE INDEX CONCURRENTLY', 'weird_ccnew'), 'weird_ccnew');
  assert.equal(reportedIndexName('REINDEX CONCURRENTLY', null), null);
});

test('how a build ended', () => {
  const base: FinishingBuild = { command: 'CREATE INDEX CONCURRENTLY', schema: 'public', index: 'idx', xactStart: 1000, initialRelfilenode: null, cancelRequested: false, confirmations: 0 };
  const idle: TrackedFacts = { alive: true, state: 'idle', xactStart: null, indexes: [] };
  const valid = { schema: 'public', name: 'idx', valid: true, relfilenode: 5 };
  const invalid = { ...valid, valid: false };
  type Expected = string | { outcome: string; leftover?: string | null };
  const cases: Array<[name: string, build: Partial<FinishingBuild>, facts: Partial<TrackedFacts>, expected: Expected]> = [
    ['valid index', {}, { indexes: [valid] }, { outcome: 'valid', leftover: null }],
    ['INVALID index: believed on the second look only', {}, { indexes: [invalid] }, 'confirm'],
    ['INVALID index, second look', { confirmations: 1 }, { indexes: [invalid] }, { outcome: 'invalid', leftover: 'idx' }],
    ['cancelled through this tool', { cancelRequested: true }, { indexes: [invalid] }, { outcome: 'cancelled', leftover: 'idx' }],
    ['cancelled plain build leaves nothing', { command: 'CREATE INDEX', cancelRequested: true }, { indexes: [] }, { outcome: 'cancelled', leftover: null }],
    ['its transaction is still open (a migration)', { command: 'CREATE INDEX' }, { state: 'idle in transaction', xactStart: 1000 }, 'transaction-open'],
    ['still committing its last step', {}, { state: 'active', xactStart: 1000, indexes: [invalid] }, 'transaction-open'],
    ['aborted transaction', { command: 'CREATE INDEX', confirmations: 1 }, { state: 'idle in transaction (aborted)', xactStart: 1000 }, { outcome: 'failed' }],
    ['no index at all', { confirmations: 1 }, {}, { outcome: 'failed' }],
    ['session gone', { confirmations: 1 }, { alive: false, state: null }, { outcome: 'failed' }],
    ['unnamed plain build', { command: 'CREATE INDEX', index: null }, {}, { outcome: 'unknown' }],
    ['REINDEX CONCURRENTLY done', { command: 'REINDEX CONCURRENTLY' }, { indexes: [valid] }, { outcome: 'valid' }],
    [
      'REINDEX CONCURRENTLY failed: its _ccnew copy is INVALID',
      { command: 'REINDEX CONCURRENTLY', confirmations: 1 },
      { indexes: [valid, { ...invalid, name: 'idx_ccnew' }] },
      { outcome: 'invalid', leftover: 'idx_ccnew' },
    ],
    ['REINDEX wrote a new file', { command: 'REINDEX', initialRelfilenode: 4 }, { indexes: [valid] }, { outcome: 'valid' }],
    ['REINDEX rolled back', { command: 'REINDEX', initialRelfilenode: 5, confirmations: 1 }, { indexes: [valid] }, { outcome: 'failed' }],
  ];
  for (const [name, build, facts, expected] of cases) {
    const decision = decideOutcome({ ...base, ...build }, { ...idle, ...facts });
    if (typeof expected === 'string') {
      assert.deepEqual(decision, { decided: false, reason: expected }, name);
      continue;
    }
    assert.equal(decision.decided, true, name);
    if (!decision.decided) continue;
    assert.equal(decision.outcome, expected.outcome, name);
    if (expected.leftover !== undefined) assert.equal(decision.leftover?.index ?? null, expected.leftover, name);
    assert.ok(decision.detail.length > 10);
  }
});
