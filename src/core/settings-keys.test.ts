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
  assert.throws(() => readSettingsFile('[1]'), (error: Error & { wholeFile?: boolean }) => error.wholeFile === true && /must hold a JSON object/.test(error.message));
});
