import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectProjectTimeouts, detectStrongMigrationsSafeByDefault, rubyDurationMs } from './detect-project-timeouts';

test('reads a strong_migrations initializer', () => {
  const initializer = [
    '# Mark existing migrations as safe',
    'StrongMigrations.start_after = 20240101000000',
    '',
    'StrongMigrations.lock_timeout = 10.seconds',
    'StrongMigrations.statement_timeout = 1.hour # builds take long',
    '# StrongMigrations.statement_timeout = 5.seconds',
  ].join('\n');
  assert.deepEqual(detectProjectTimeouts(initializer), { lockTimeoutMs: 10_000, statementTimeoutMs: 3_600_000, configuresTimeouts: true });
});

test('statement_timeout alone does not configure the lock wait', () => {
  assert.deepEqual(detectProjectTimeouts('StrongMigrations.statement_timeout = 2.hours\n'), {
    lockTimeoutMs: null,
    statementTimeoutMs: 7_200_000,
    configuresTimeouts: false,
  });
  assert.equal(detectProjectTimeouts('').configuresTimeouts, false);
});

test('durations as strong_migrations reads them', () => {
  assert.equal(rubyDurationMs('5'), 5000); // a bare number is seconds
  assert.equal(rubyDurationMs('"10s"'), 10_000); // a string goes to Postgres as written
  assert.equal(rubyDurationMs("'250'"), 250); // a unitless Postgres string is milliseconds
  assert.equal(rubyDurationMs('2.minutes'), 120_000);
  assert.equal(rubyDurationMs('ENV["X"]'), null);
});

test('reads safe_by_default from the initializer: the last assignment, not a comment', () => {
  assert.equal(detectStrongMigrationsSafeByDefault('StrongMigrations.safe_by_default = true\n'), true);
  assert.equal(detectStrongMigrationsSafeByDefault('  StrongMigrations.safe_by_default = true # see the README\n'), true);
  assert.equal(detectStrongMigrationsSafeByDefault('# StrongMigrations.safe_by_default = true\n'), false);
  assert.equal(detectStrongMigrationsSafeByDefault('StrongMigrations.safe_by_default = true\nStrongMigrations.safe_by_default = false\n'), false);
  assert.equal(detectStrongMigrationsSafeByDefault('StrongMigrations.lock_timeout = 10.seconds\n'), false);
});
