// The one settings table (settings-schema.ts): the files generated from it do not drift, its
// validation (used by the CLI and the editor) answers as a JSON Schema validator does, and the
// schema VS Code is given for `.pg-index-guard.json` is a valid draft-07 schema.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Ajv from 'ajv';
import { DEFAULT_SETTINGS } from './lint-context';
import { jsonValueSpan, settingsDrift, withContributedConfiguration } from './settings-docs';
import { readSettingsFile } from './settings-keys';
import { contributedConfiguration, lintSettingSpecs, matchesSchema, SETTINGS, SETTINGS_SCHEMA_PATH, settingsFileSchema, unsupportedKeywords } from './settings-schema';

const root = join(__dirname, '..', '..');
const read = (relativePath: string) => {
  const path = join(root, relativePath);
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
};
const packageJson = () => JSON.parse(read('package.json')!);

function ajv(): Ajv {
  const validator = new Ajv({ strict: true, allErrors: true });
  validator.addKeyword('markdownDescription');
  validator.addKeyword('patternErrorMessage');
  validator.addKeyword('scope');
  return validator;
}

test('the settings schema, package.json contributes.configuration and the README settings table match the settings table (run npm run generate:settings when this fails)', () => {
  assert.deepEqual(settingsDrift(read), []);
});

test('the drift check notices a hand-edited setting in package.json, the schema file or the README', () => {
  const edited = (path: string, from: string, to: string) => (p: string) => (p === path ? read(p)!.replace(from, to) : read(p));
  assert.deepEqual(settingsDrift(edited('package.json', '"default": 250', '"default": 300')), ['package.json']);
  assert.deepEqual(settingsDrift(edited(SETTINGS_SCHEMA_PATH, '"default": "10s"', '"default": "5s"')), [SETTINGS_SCHEMA_PATH]);
  assert.deepEqual(settingsDrift(edited('README.md', '| `pgIndexGuard.lintDelay` | `250`', '| `pgIndexGuard.lintDelay` | `300`')), ['README.md']);
});

test('only contributes.configuration is rewritten in package.json', () => {
  const text = '{\n  "name": "x",\n  "contributes": {\n    "commands": [],\n    "configuration": {\n      "title": "old {\\"}"\n    },\n    "menus": {}\n  },\n  "scripts": {}\n}\n';
  const updated = withContributedConfiguration(text)!;
  assert.deepEqual(JSON.parse(updated).contributes.configuration, contributedConfiguration());
  assert.ok(updated.startsWith('{\n  "name": "x",\n  "contributes": {\n    "commands": [],\n    "configuration": {\n      "title": "PG Index Guard",'));
  assert.ok(updated.endsWith('\n    },\n    "menus": {}\n  },\n  "scripts": {}\n}\n'));
  assert.equal(jsonValueSpan(text, 'nothing', 2), null);
  assert.deepEqual(packageJson().contributes.configuration, contributedConfiguration());
});

test('VS Code is offered the schema for .pg-index-guard.json, and the .vsix carries it', () => {
  assert.deepEqual(packageJson().contributes.jsonValidation, [{ fileMatch: '.pg-index-guard.json', url: `./${SETTINGS_SCHEMA_PATH}` }]);
  assert.match(read('.vscodeignore')!, /^!schemas\/\*\.json$/m);
});

test('the schema file is a valid draft-07 schema that accepts the defaults and refuses unknown keys', () => {
  const validate = ajv().compile(JSON.parse(read(SETTINGS_SCHEMA_PATH)!));
  const defaults = Object.fromEntries(lintSettingSpecs().map(([name, spec]) => [name, spec.default]));
  assert.equal(validate({ $schema: `./${SETTINGS_SCHEMA_PATH}`, ...defaults }), true, JSON.stringify(validate.errors));
  assert.equal(validate({ lintDelay: 100 }), false, 'an editor setting is not a file setting');
  for (const [, property] of Object.entries(contributedConfiguration().properties)) ajv().compile(property);
});

test('every schema keyword of the table is one the validation checks', () => {
  for (const [name, spec] of Object.entries(SETTINGS)) assert.deepEqual(unsupportedKeywords(spec.schema), [], name);
  assert.deepEqual(unsupportedKeywords(settingsFileSchema()), []);
});

// Values tried on every setting: the validation must accept exactly those a JSON Schema validator accepts.
const SAMPLE_VALUES: unknown[] = [
  true, false, 0, -1, 0.5, 1, 10, 1e6, Number.MAX_SAFE_INTEGER, '', ' ', '10s', ' 30min ', '1.5h', '.5s', '5 ms', '10 seconds', 'ten', '-1s', '1e3s',
  'auto', 'psql', 'prisma', 'liquibase', null, [], ['messages'], ['messages', 1], [[]], {}, { 'prefer-partial-index': 'off' },
  { 'prefer-partial-index': 'fatal' }, { 'no-such-rule': 'off' }, { 'require-timeouts': 'default', 'redundant-index': 'hint' },
  [{ name: 'dev', url: 'postgres://localhost/dev' }], [{ url: 'postgres://localhost/dev' }], [{ name: 'dev', port: '5432' }],
  [{ name: 'dev', sslmode: 'verify-full', production: true }],
];

test('the validation accepts exactly what the JSON Schema accepts, for every setting', () => {
  for (const [name, spec] of Object.entries(SETTINGS)) {
    const validate = ajv().compile(spec.schema);
    for (const value of [spec.default, ...SAMPLE_VALUES]) {
      assert.equal(matchesSchema(spec.schema, value), validate(value), `${name} = ${JSON.stringify(value)}`);
    }
  }
});

test('every lint setting of the file sets what the editor setting of the same name sets', () => {
  const values: Record<string, unknown> = {
    rules: { 'prefer-partial-index': 'off' },
    largeTables: ['messages'],
    largeTableRowThreshold: 5000,
    maxFileSize: 2000,
    timeoutsConfiguredElsewhere: true,
    'fixTimeouts.statementTimeout': ' 1h ',
    'fixTimeouts.lockTimeout': '3s',
    'fixTimeouts.onlyInProduction': true,
    minBuildStatementTimeoutMinutes: 0.5,
    lowSelectivityColumns: ['messages.status'],
    sqlRunner: 'goose',
  };
  assert.deepEqual(Object.keys(values).sort(), lintSettingSpecs().map(([name]) => name).sort(), 'a value for every lint setting');
  for (const [name, value] of Object.entries(values)) {
    const contributed = packageJson().contributes.configuration.properties[`pgIndexGuard.${name}`];
    assert.equal(ajv().compile({ ...contributed, default: undefined })(value), true, `VS Code's setting ${name} takes ${JSON.stringify(value)}`);
  }
  assert.deepEqual(readSettingsFile(JSON.stringify(values)), {
    rules: { 'prefer-partial-index': 'off' },
    largeTables: ['messages'],
    largeTableRowThreshold: 5000,
    maxFileBytes: 2000,
    timeoutsConfiguredElsewhere: true,
    fixTimeouts: { statement: '1h', lock: '3s', onlyInProduction: true },
    minBuildStatementTimeoutMs: 30_000,
    lowSelectivityColumns: ['messages.status'],
    sqlRunner: 'goose',
  });
  assert.deepEqual(readSettingsFile('{"sqlRunner": "auto"}'), DEFAULT_SETTINGS);
});
