import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FinishedBuildView } from '../../shared/messages';
import { BuildTracker } from './progress-model';
import { jsonEventLine, renderBuildsForTerminal, visibleLength } from './terminal-view';
import { recordedConcurrentBuild, RECORDED_PIDS } from './testing/recorded-builds';

function recordedViews() {
  const recorded = recordedConcurrentBuild();
  const tracker = new BuildTracker(recorded[0]!.sample, recorded[0]!.at);
  return recorded.map(({ sample, at }) => tracker.update(sample, at, { monitorPid: RECORDED_PIDS.monitor }).view);
}

const views = recordedViews();
const waiting = views[0]!;
const loading = views.find((v) => v.phase === 'building index: loading tuples in tree')!;

test('a waiting build: bar, percent, and who it waits for instead of a time', () => {
  const text = renderBuildsForTerminal([waiting], { width: 160, color: false });
  assert.equal(
    text,
    [
      'index_messages_on_conversation_id on messages  CREATE INDEX CONCURRENTLY  pid 6067',
      '  ░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░   0.5%  waiting on PID 6071 (idle in transaction): UPDATE messages SET status = status WHERE id = 7',
      '  phase Waiting for writers before build (2/10) 0% (0 / 1 lockers)  elapsed 0s',
      '',
    ].join('\n'),
  );
});

test('a running build: phase, counters and ETA; nothing wider than the terminal', () => {
  const text = renderBuildsForTerminal([loading], { width: 80, color: false });
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[1]!, /^ {2}█+░+ +\d+\.\d% {2}about \d+s left$/);
  assert.match(lines[2]!, /phase Build: load tree \(5\/10\) 25% \(632,850 \/ 2,500,000 tuples\) {2}elapsed 4s/);
  for (const line of lines) assert.ok(visibleLength(line) <= 80, line);

  const narrow = renderBuildsForTerminal([waiting], { width: 50, color: false }).trimEnd().split('\n');
  for (const line of narrow) assert.ok(visibleLength(line) <= 50, line);
  assert.ok(narrow[1]!.endsWith('…'));
});

test('colors are ANSI escapes around the same text; ASCII bars on request', () => {
  const plain = renderBuildsForTerminal([loading, waiting], { width: 100, color: false });
  const colored = renderBuildsForTerminal([loading, waiting], { width: 100, color: true });
  assert.ok(colored.includes('\u001b[32m'));
  assert.ok(colored.includes('\u001b[33m'), 'the waiting build is yellow');
  assert.equal(colored.replace(/\u001b\[[0-9;]*m/g, ''), plain);
  const ascii = renderBuildsForTerminal([loading], { width: 100, color: false, unicode: false });
  assert.match(ascii, /\[#+-+\]/);
  assert.doesNotMatch(ascii, /[█░]/);
});

test('nothing running: says so and names the connection; recent builds with their outcome and leftover', () => {
  const finished: FinishedBuildView[] = [
    { build: views[views.length - 1]!, outcome: 'valid', finishedAt: 0, durationSeconds: 5.9, leftover: null, detail: 'ok' },
    {
      build: { ...loading, index: 'index_messages_on_status' },
      outcome: 'cancelled',
      finishedAt: 0,
      durationSeconds: 75,
      leftover: { schema: 'public', index: 'index_messages_on_status' },
      detail: 'cancelled',
    },
  ];
  const text = renderBuildsForTerminal([], { width: 160, color: false, connectionLabel: 'app_development on localhost:5432', recent: finished });
  assert.equal(
    text,
    [
      'No index build is running.',
      'Watching app_development on localhost:5432',
      '',
      'Recent builds',
      '  ✔ Valid  index_messages_on_conversation_id on messages  6s',
      '  ■ Cancelled  index_messages_on_status on messages  1m 15s  leftover public.index_messages_on_status: drop it concurrently',
      '',
    ].join('\n'),
  );
});

test('--json: one line per event, parseable, statements kept, errors without stacks', () => {
  const line = jsonEventLine({ type: 'build-progress', payload: waiting }, new Date('2025-01-01T00:00:00Z'));
  assert.ok(line.endsWith('\n'));
  assert.equal(line.trimEnd().includes('\n'), false);
  const parsed = JSON.parse(line);
  assert.equal(parsed.type, 'build-progress');
  assert.equal(parsed.time, '2025-01-01T00:00:00.000Z');
  assert.equal(parsed.build.waitingOn.pid, RECORDED_PIDS.writer);
  assert.deepEqual(parsed.build, JSON.parse(JSON.stringify(waiting)));

  const multiLine = { ...waiting, query: 'CREATE INDEX CONCURRENTLY i\n  ON t (c)' };
  assert.equal(jsonEventLine({ type: 'build-started', payload: multiLine }).trimEnd().includes('\n'), false);

  const error = JSON.parse(
    jsonEventLine({
      type: 'error',
      payload: {
        description: { kind: 'connection-lost', title: 'The connection was cut.', advice: 'It reconnects.', detail: 'ECONNRESET', code: 'ECONNRESET', retryable: true },
        error: new Error('boom'),
        failures: 2,
      },
    }),
  );
  assert.deepEqual(error.error, { kind: 'connection-lost', title: 'The connection was cut.', advice: 'It reconnects.', detail: 'ECONNRESET', code: 'ECONNRESET', retryable: true });
  assert.equal(error.failures, 2);

  const finished = JSON.parse(
    jsonEventLine({
      type: 'build-finished',
      payload: { build: waiting, outcome: 'invalid', finishedAt: 1, durationSeconds: 2, leftover: { schema: 'public', index: 'i' }, detail: 'left INVALID' },
    }),
  );
  assert.equal(finished.outcome, 'invalid');
  assert.deepEqual(finished.leftover, { schema: 'public', index: 'i' });
});
