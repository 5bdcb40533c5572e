import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildStepText, buildSummaryText } from './progress-text';
import type { BuildProgressEvent, IndexBuildResult } from './safe-builder';

const event = (step: BuildProgressEvent['step'], more: Partial<BuildProgressEvent> = {}): BuildProgressEvent => ({
  index: 'index_messages_on_status',
  position: 2,
  total: 3,
  step,
  message: 'RESET lock_timeout; RESET statement_timeout',
  level: 'info',
  ...more,
});

test('progress lines speak in steps a user knows, never the SQL the session runs', () => {
  const cases: Array<[BuildProgressEvent, string | null]> = [
    [event('set-timeouts', { message: "SET lock_timeout = '5000ms', statement_timeout = 0" }), 'Building index_messages_on_status (2 of 3)'],
    [event('build'), 'Building index_messages_on_status (2 of 3)'],
    [event('reset-timeouts'), 'Building index_messages_on_status (2 of 3)'],
    [event('verify'), 'Checking that index_messages_on_status (2 of 3) is valid'],
    [event('drop-invalid'), 'Dropping the INVALID leftover of index_messages_on_status (2 of 3)'],
    [event('retry', { level: 'warn' }), 'Waiting to retry index_messages_on_status (2 of 3): another session held a conflicting lock'],
    [event('safe-hours', { message: 'inside the safe hours (2-5)' }), null],
    [event('load', { level: 'warn', message: '40 active connections (maximum 20)' }), 'index_messages_on_status (2 of 3): 40 active connections (maximum 20)'],
    [event('result'), null],
    [event('connect', { index: null, position: 0 }), null],
    [event('cancel', { index: null, position: 0 }), 'Cancelling the running build…'],
    [event('build', { index: 'Odd "Name"' }), 'Building "Odd ""Name""" (2 of 3)'],
  ];
  for (const [input, expected] of cases) {
    const text = buildStepText(input);
    assert.equal(text, expected, `${input.step}`);
    assert.doesNotMatch(text ?? '', /\b(SET|RESET)\b/);
  }
});

const result = (index: string, status: IndexBuildResult['status'], reason: string | null = null): IndexBuildResult =>
  ({ index, status, reason, failure: null } as IndexBuildResult);

test('the summary counts what happened and names what was not built, with why', () => {
  assert.equal(buildSummaryText([]), 'Nothing to build.');
  assert.equal(buildSummaryText([result('a', 'built'), result('b', 'built')]), '2 built.');
  assert.equal(
    buildSummaryText([result('a', 'built'), result('b', 'skipped', 'another session is building it right now'), result('c', 'built')]),
    '2 built, 1 skipped: b skipped (another session is building it right now).',
  );
  assert.equal(
    buildSummaryText([result('a', 'rebuilt-invalid'), result('b', 'already-valid'), result('c', 'failed', 'lock timeout after 5 s')]),
    '1 rebuilt (INVALID leftover dropped), 1 already there, 1 failed: c failed (lock timeout after 5 s).',
  );
});
