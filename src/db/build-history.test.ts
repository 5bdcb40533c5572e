import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { estimateBuildSeconds } from '../core/locks/estimates';
import { BUILDS_KEPT_PER_SERVER, BuildHistoryFile, defaultHistoryPath, mergeHistories, recordBuilderResults, serverKey, type RecordedBuild } from './build-history';
import type { IndexBuildResult } from './builder/safe-builder';

const MB = 1024 * 1024;
const KEY = serverKey({ host: 'db.internal', port: 5432, database: 'chat' });

function build(overrides: Partial<RecordedBuild> = {}): RecordedBuild {
  return { tableBytes: 400 * MB, seconds: 10, concurrent: false, finishedAt: '2026-12-01T03:00:00.000Z', schema: 'public', table: 'messages', index: 'index_messages_on_a', ...overrides };
}

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'pgig-history-'));
}

test('the server key and the CLI file: PG_INDEX_GUARD_BUILD_HISTORY, else XDG_STATE_HOME, else ~/.local/state', () => {
  assert.equal(KEY, 'db.internal:5432/chat');
  assert.equal(serverKey({ database: 'chat' }), 'localhost:5432/chat');
  assert.equal(defaultHistoryPath({ PG_INDEX_GUARD_BUILD_HISTORY: '/x/h.json', XDG_STATE_HOME: '/state' }), '/x/h.json');
  assert.equal(defaultHistoryPath({ XDG_STATE_HOME: '/state' }), join('/state', 'pg-index-guard', 'build-history.json'));
  assert.match(defaultHistoryPath({}), /[\\/]\.local[\\/]state[\\/]pg-index-guard[\\/]build-history\.json$/);
});

test('records builds per server, oldest first, and the estimate then comes from them', () => {
  const dir = scratch();
  try {
    const history = new BuildHistoryFile(join(dir, 'nested', 'build-history.json'));
    assert.deepEqual(history.read(KEY), { builds: [] }, 'no file yet: an empty history');
    assert.equal(history.record(KEY, build({ index: 'b', finishedAt: '2026-12-02T03:00:00.000Z', seconds: 20 })), null);
    assert.equal(history.record(KEY, build({ index: 'a', finishedAt: '2026-12-01T03:00:00.000Z', seconds: 10 })), null);
    assert.equal(history.record('other:5432/db', build({ index: 'c' })), null);
    assert.deepEqual(
      (history.read(KEY).builds as RecordedBuild[]).map((b) => b.index),
      ['a', 'b'],
    );
    // Rates of 40 and 20 MB/s: their median, 30 MB/s, builds 300 MB in 10 s.
    const estimate = estimateBuildSeconds({ tableBytes: 300 * MB, concurrent: false }, history.read(KEY));
    assert.equal(estimate.basis, 'history');
    assert.equal(estimate.measuredBuilds, 2);
    assert.equal(estimate.seconds, 10);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the same build seen twice (the monitor and the builder) is kept once; too short or empty builds are not kept', () => {
  const dir = scratch();
  try {
    const history = new BuildHistoryFile(join(dir, 'h.json'));
    history.record(KEY, build({ seconds: 10, finishedAt: '2026-12-01T03:00:00.000Z' }));
    history.record(KEY, build({ seconds: 11, finishedAt: '2026-12-01T03:00:30.000Z' }));
    assert.deepEqual(history.read(KEY).builds.map((b) => b.seconds), [11]);
    history.record(KEY, build({ seconds: 12, finishedAt: '2026-12-01T05:00:00.000Z' }));
    assert.equal(history.read(KEY).builds.length, 2, 'the same index built again later is another build');
    history.record(KEY, build({ index: 'quick', seconds: 0.1 }));
    history.record(KEY, build({ index: 'empty', tableBytes: 0 }));
    assert.equal(history.read(KEY).builds.length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`keeps the last ${BUILDS_KEPT_PER_SERVER} builds of a server`, () => {
  const dir = scratch();
  try {
    const history = new BuildHistoryFile(join(dir, 'h.json'));
    for (let i = 0; i < BUILDS_KEPT_PER_SERVER + 5; i++) history.record(KEY, build({ index: `i${i}`, finishedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() }));
    const kept = history.read(KEY).builds as RecordedBuild[];
    assert.equal(kept.length, BUILDS_KEPT_PER_SERVER);
    assert.equal(kept[0]!.index, 'i5');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a damaged file is an empty history, and a file that cannot be written is a message, never a throw', () => {
  const dir = scratch();
  try {
    const path = join(dir, 'h.json');
    for (const content of ['{not json', '[]', '{"version":2,"servers":{}}', `{"version":1,"servers":{"${KEY}":[{"tableBytes":"x"}, 3]}}`]) {
      writeFileSync(path, content);
      assert.deepEqual(new BuildHistoryFile(path).read(KEY), { builds: [] }, content);
    }
    // Recorded over a damaged file: it starts afresh.
    assert.equal(new BuildHistoryFile(path).record(KEY, build()), null);
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).servers[KEY].length, 1);

    const blocked = join(dir, 'not-a-folder');
    writeFileSync(blocked, '');
    const problem = new BuildHistoryFile(join(blocked, 'h.json')).record(KEY, build());
    assert.match(problem ?? '', /^Could not record the build of index_messages_on_a in .*not-a-folder.*h\.json: /);
    if (process.getuid?.() !== 0) {
      // Root writes anywhere: the read-only folder case only holds for other users.
      const readOnly = join(dir, 'ro');
      mkdirSync(readOnly);
      chmodSync(readOnly, 0o500);
      assert.match(new BuildHistoryFile(join(readOnly, 'h.json')).record(KEY, build()) ?? '', /^Could not record/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the builder's measurements are recorded as concurrent builds; the extension's and the CLI's histories merge without doubles", () => {
  const dir = scratch();
  try {
    const history = new BuildHistoryFile(join(dir, 'h.json'));
    const result = (index: string, measured: IndexBuildResult['measured']) => ({ index, schema: 'public', table: 'messages', measured }) as IndexBuildResult;
    const problems = recordBuilderResults(history, KEY, [result('built', { tableBytes: 100 * MB, seconds: 4 }), result('skipped', null)], new Date('2026-12-03T02:00:00Z'));
    assert.deepEqual(problems, []);
    assert.deepEqual(history.read(KEY).builds, [
      { tableBytes: 100 * MB, seconds: 4, concurrent: true, finishedAt: '2026-12-03T02:00:00.000Z', schema: 'public', table: 'messages', index: 'built' },
    ]);
    const seenByMonitor = build({ index: 'built', tableBytes: 100 * MB, seconds: 4.5, concurrent: true, finishedAt: '2026-12-03T02:00:01.000Z' });
    const merged = mergeHistories(history.read(KEY), { builds: [seenByMonitor, build({ index: 'cron' })] });
    assert.deepEqual(merged.builds.map((b) => (b as RecordedBuild).index), ['built', 'cron']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
