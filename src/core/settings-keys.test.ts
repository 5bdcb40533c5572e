import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DEFAULT_SETTINGS } from './lint-context';
import { applyLintSetting, defaultLintSettings, LINT_SETTING_NAMES, readSettingsFile } from './settings-keys';

const contributed: Record<string, { default?: unknown }> = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).contributes
  .configuration.properties;

test('every lint setting is a VS Code setting whose default is the CLI default', () => {
  const settings = defaultLintSettings();
  for (const name of LINT_SETTING_NAMES) {
    const property = contributed[`pgIndexGuard.${name}`];
    assert.ok(property, `package.json contributes pgIndexGuard.${name}`);
    assert.equal(applyLintSetting(settings, name, property.default), null, name);
  }
  assert.deepEqual(settings, DEFAULT_SETTINGS);
});

test('a settings file: unknown names and bad values are refused with what is wrong', () => {
  assert.deepEqual(readSettingsFile('{"$schema": "x"}'), DEFAULT_SETTINGS);
  assert.throws(() => readSettingsFile('{"largeTable": []}'), /unknown setting "largeTable"\. Known settings: rules, largeTables/);
  assert.throws(() => readSettingsFile('{"timeoutsConfiguredElsewhere": "yes"}'), /"timeoutsConfiguredElsewhere" must be true or false/);
  assert.throws(() => readSettingsFile('{"fixTimeouts.lockTimeout": " "}'), /"fixTimeouts\.lockTimeout" must be a Postgres interval/);
  assert.throws(() => readSettingsFile('{"toString": 1}'), /unknown setting "toString"/);
  assert.throws(() => readSettingsFile('{"fixTimeouts.lockTimeout": "ten seconds"}'), /"fixTimeouts\.lockTimeout" must be a Postgres interval such as "10s" or "30min" \(a number and one of the units us, ms, s, min, h, d\)\./);
  assert.throws(() => readSettingsFile('{"lintDelay": 100}'), /"lintDelay" is an editor setting, not a lint setting: set pgIndexGuard\.lintDelay in VS Code's settings\./);
  assert.throws(() => readSettingsFile('{"fixTimeouts": {"lockTimeout": "5s"}}'), /unknown setting "fixTimeouts": write "fixTimeouts\.statementTimeout" and "fixTimeouts\.lockTimeout"/);
  assert.throws(() => readSettingsFile('{"largeTables": ["messages", 1]}'), /"largeTables" must be an array of table names\./);
  assert.throws(() => readSettingsFile('{"minBuildStatementTimeoutMinutes": 0}'), /"minBuildStatementTimeoutMinutes" must be a positive number\./);
  assert.throws(() => readSettingsFile('[1]'), (error: Error & { wholeFile?: boolean }) => error.wholeFile === true && /must hold a JSON object/.test(error.message));
});
