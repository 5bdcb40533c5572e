import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadParsers, parseMigration } from '../lint';
import { compareStep, lockModeFromPgLocks, nonConcurrentSql, planTrace, type RecordedLock } from './trace';

test('nonConcurrentSql drops CONCURRENTLY from the statements that have it, and nothing else', () => {
  const cases: Array<[string, string | null]> = [
    ['CREATE INDEX CONCURRENTLY i ON t (a)', 'CREATE INDEX i ON t (a)'],
    ['create unique index concurrently if not exists i on t (a)', 'create unique index if not exists i on t (a)'],
    ['-- why\nDROP INDEX CONCURRENTLY i', 'DROP INDEX i'],
    ['REINDEX (VERBOSE) TABLE CONCURRENTLY t', 'REINDEX (VERBOSE) TABLE t'],
    ['CREATE INDEX i ON t (a)', null],
    ['SELECT \'CREATE INDEX CONCURRENTLY\'', null],
  ];
  for (const [sql, expected] of cases) assert.equal(nonConcurrentSql(sql), expected, sql);
});

test('lockModeFromPgLocks reads pg_locks modes and refuses the others', () => {
  assert.equal(lockModeFromPgLocks('ShareUpdateExclusiveLock'), 'SHARE UPDATE EXCLUSIVE');
  assert.equal(lockModeFromPgLocks('AccessExclusiveLock'), 'ACCESS EXCLUSIVE');
  assert.equal(lockModeFromPgLocks('SIReadLock'), null);
});

test('compareStep: a mode held since an earlier statement agrees; a stronger one taken differs', async () => {
  const parsers = await loadParsers(['sql']);
  const file = parseMigration('m.sql', 'CREATE INDEX CONCURRENTLY i ON messages (a);\n', 'sql', parsers)!;
  const [step] = planTrace(file, (o) => ({ sql: file.source.slice(o.range.start, o.range.end) }));
  assert.equal(step!.sql, 'CREATE INDEX i ON messages (a)');
  assert.equal(step!.tracedNonConcurrently, true);
  const share: RecordedLock = { relation: 'messages', kind: 'table', table: null, mode: 'SHARE' };
  const exclusive: RecordedLock = { ...share, mode: 'ACCESS EXCLUSIVE' };
  assert.equal(compareStep(step!, [share], [share], null).agrees, true);
  assert.equal(compareStep(step!, [], [share], null).agrees, true);
  const differs = compareStep(step!, [], [share, exclusive], null);
  assert.equal(differs.agrees, false);
  assert.deepEqual(differs.checks, [{ relation: 'messages', expected: 'SHARE', recorded: 'ACCESS EXCLUSIVE', agrees: false }]);
  assert.equal(compareStep(step!, [], [], 'boom').agrees, false);
});
