import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultLintSettings } from '../core/settings-keys';
import { REPOSITORY_URL, ruleDocsUrl } from './rule-links';
import { DEFAULT_LINT_DELAY_MS, readClientSettings } from './settings';

test('client settings: flat, nested under pgIndexGuard, dotted, and with fixTimeouts as an object', () => {
  const expected = { ...defaultLintSettings(), largeTables: ['messages'], fixTimeouts: { statement: '1h', lock: '3s', onlyInProduction: false } };
  for (const raw of [
    { largeTables: ['messages'], 'fixTimeouts.statementTimeout': '1h', 'fixTimeouts.lockTimeout': '3s' },
    { pgIndexGuard: { largeTables: ['messages'], fixTimeouts: { statementTimeout: '1h', lockTimeout: '3s' } } },
    { 'pgIndexGuard.largeTables': ['messages'], 'pgIndexGuard.fixTimeouts.statementTimeout': '1h', 'pgIndexGuard.fixTimeouts.lockTimeout': '3s' },
  ]) {
    const settings = readClientSettings(raw);
    assert.deepEqual(settings.problems, [], JSON.stringify(raw));
    assert.deepEqual(settings.lint, expected, JSON.stringify(raw));
  }
});

test('client settings: later layers win setting by setting; server-only keys; VS Code-only keys ignored', () => {
  const settings = readClientSettings(
    { rules: { 'prefer-robust-stmts': 'off' }, largeTables: ['messages'], lintDelay: 100 },
    { rules: { 'require-timeouts': 'error' }, databaseUrl: ' postgres://localhost/app ', connections: [], statusBar: false, 'builder.lockTimeout': '1s' },
  );
  assert.deepEqual(settings.problems, []);
  assert.deepEqual(settings.lint.rules, { 'require-timeouts': 'error' });
  assert.deepEqual(settings.lint.largeTables, ['messages']);
  assert.equal(settings.lintDelayMs, 100);
  assert.equal(settings.databaseUrl, 'postgres://localhost/app');
});

test('client settings: bad values keep their defaults and are named; nothing throws', () => {
  for (const raw of [null, undefined, 'text', 42, [1, 2]]) assert.deepEqual(readClientSettings(raw).lint, defaultLintSettings());
  const settings = readClientSettings({ lintDelay: -5, databaseUrl: 5, largeTables: 'messages', rules: { 'no-such-rule': 'off' }, bogus: 1 });
  assert.equal(settings.lintDelayMs, DEFAULT_LINT_DELAY_MS);
  assert.equal(settings.databaseUrl, null);
  assert.deepEqual(settings.lint, defaultLintSettings());
  assert.equal(settings.problems.length, 5, settings.problems.join('\n'));
  assert.match(settings.problems.join('\n'), /lintDelay.*\n.*databaseUrl.*\n.*"largeTables" must be an array.*\n.*unknown rule id "no-such-rule".*\n.*unknown setting "bogus"/);
});

test("rule links point at the repository package.json names, and only rules have one", () => {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { repository: { url: string }; homepage?: string };
  assert.equal(manifest.repository.url.replace(/^git\+/, '').replace(/\.git$/, ''), REPOSITORY_URL);
  assert.equal(ruleDocsUrl('prefer-robust-stmts'), `${REPOSITORY_URL}/blob/main/docs/rules/prefer-robust-stmts.md`);
  assert.equal(ruleDocsUrl('syntax-error'), null);
});
