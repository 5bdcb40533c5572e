// Every setting of PG Index Guard, in one table. From it come:
//   - the validation of `.pg-index-guard.json` / `--config` and of VS Code's lint settings
//     (settings-keys.ts: the same code in the CLI and the editor),
//   - schemas/pg-index-guard.schema.json (offered to VS Code through `contributes.jsonValidation`),
//   - package.json's `contributes.configuration`,
//   - the README's settings table,
// written by scripts/generate-settings.ts, and checked for drift by settings-schema.test.ts.
//
// To add a setting: add one entry to SETTINGS below (`lint: true` with an `apply` when the linter
// reads it, so it also goes in `.pg-index-guard.json`), then run
// `node --import tsx scripts/generate-settings.ts`.

import type { LintSettings, RuleSetting } from './lint-context';
import { SQL_RUNNER_NAMES } from './model/migration';
import { RULES } from './rules';
import { SEVERITIES } from './rules/rule';

/** A JSON Schema (draft-07), limited to the keywords `matchesSchema` understands. */
export type JsonSchema = { [keyword: string]: unknown };

interface SettingBase {
  /** The value's JSON Schema (type, enum, minimum, items...), without default or description. */
  schema: JsonSchema;
  default: unknown;
  /** Markdown, shown by VS Code's settings UI and in `.pg-index-guard.json` completions. */
  description: string;
  /** The README table's line. */
  summary: string;
  /** VS Code's scope; `resource` when each folder of a multi-root workspace may set its own. */
  scope?: 'resource';
}

/** A setting of the linter: also in `.pg-index-guard.json`, by the same name. */
export interface LintSettingSpec extends SettingBase {
  lint: true;
  /** What a value the schema refuses is told: `"<name>" must be <mustBe>.` */
  mustBe: string;
  /** A finer message than mustBe for a value the schema refuses, when there is one. */
  explain?: (value: unknown) => string | null;
  /** Writes a value the schema accepts into the settings. */
  apply(value: never, settings: LintSettings): void;
}

/** A setting only the editor has (database connections, views, typing delay). */
export interface EditorSettingSpec extends SettingBase {
  lint: false;
}

export type SettingSpec = LintSettingSpec | EditorSettingSpec;

const lintSetting = <T>(spec: Omit<LintSettingSpec, 'lint' | 'apply'> & { apply(value: T, settings: LintSettings): void }): LintSettingSpec => ({
  lint: true,
  ...spec,
  apply: spec.apply as LintSettingSpec['apply'],
});
const editorSetting = (spec: Omit<EditorSettingSpec, 'lint'>): EditorSettingSpec => ({ lint: false, ...spec });

export const RULE_SETTING_VALUES: readonly string[] = ['off', 'default', ...SEVERITIES];

/** A Postgres duration as `SET lock_timeout` takes it: a number and an optional unit. */
const INTERVAL_PATTERN = '^\\s*(\\d+\\.?\\d*|\\.\\d+)\\s*(us|ms|s|min|h|d)?\\s*$';
const INTERVAL_MUST_BE = 'a Postgres interval such as "10s" or "30min" (a number and one of the units us, ms, s, min, h, d)';
const positiveNumber: JsonSchema = { type: 'number', exclusiveMinimum: 0 };
const stringList: JsonSchema = { type: 'array', items: { type: 'string' } };

function rulesSchema(): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const rule of RULES.values()) {
    properties[rule.meta.id] = { enum: [...RULE_SETTING_VALUES], description: `${rule.meta.summary} (default: ${rule.meta.defaultSeverity})` };
  }
  return { type: 'object', properties, additionalProperties: false };
}

function explainRules(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  for (const [id, setting] of Object.entries(value)) {
    if (!RULES.has(id)) return `unknown rule id "${id}" in "rules". Known rules: ${[...RULES.keys()].join(', ')}.`;
    if (typeof setting !== 'string' || !RULE_SETTING_VALUES.includes(setting)) {
      return `bad severity ${JSON.stringify(setting)} for rule "${id}". Use one of: ${RULE_SETTING_VALUES.join(', ')}.`;
    }
  }
  return null;
}

/**
 * Every setting, by the name VS Code spells `pgIndexGuard.<name>` and `.pg-index-guard.json`
 * spells `<name>`. The lint settings come first, in the order they are documented.
 */
export const SETTINGS: Readonly<Record<string, SettingSpec>> = {
  rules: lintSetting<Record<string, RuleSetting>>({
    schema: rulesSchema(),
    default: {},
    scope: 'resource',
    description:
      'Per-rule severity: `off`, `hint`, `info`, `warning`, `error` or `default` (the rule\'s own), keyed by rule id (for example `{"prefer-partial-index": "off"}`).',
    summary: 'per-rule severity: `off`, `hint`, `info`, `warning`, `error` (or `default`), by rule id',
    mustBe: 'an object of rule id -> severity',
    explain: explainRules,
    apply: (value, settings) => (settings.rules = { ...value }),
  }),
  largeTables: lintSetting<string[]>({
    schema: stringList,
    default: [],
    scope: 'resource',
    description: 'Tables known to be large (for example `messages`, `conversations`). Findings on them are raised one severity step.',
    summary: 'tables known to be large, e.g. `["messages", "conversations"]`: their findings are raised one step',
    mustBe: 'an array of table names',
    apply: (value, settings) => (settings.largeTables = [...value]),
  }),
  largeTableRowThreshold: lintSetting<number>({
    schema: positiveNumber,
    default: 1_000_000,
    scope: 'resource',
    description: 'Row estimate from a connected database above which a table counts as large.',
    summary: 'row estimate from the database above which a table counts as large',
    mustBe: 'a positive number',
    apply: (value, settings) => (settings.largeTableRowThreshold = value),
  }),
  maxFileSize: lintSetting<number>({
    schema: positiveNumber,
    default: 1_000_000,
    scope: 'resource',
    description: 'Files larger than this many characters are not linted.',
    summary: 'larger files (characters) are skipped with a message',
    mustBe: 'a positive number',
    apply: (value, settings) => (settings.maxFileBytes = value),
  }),
  timeoutsConfiguredElsewhere: lintSetting<boolean>({
    schema: { type: 'boolean' },
    default: false,
    scope: 'resource',
    description:
      'lock_timeout and statement_timeout are set for every migration outside the migration files (database or role settings). A `StrongMigrations.lock_timeout` initializer is detected by itself.',
    summary: 'timeouts are set outside the migrations (role or database settings)',
    mustBe: 'true or false',
    apply: (value, settings) => (settings.timeoutsConfiguredElsewhere = value),
  }),
  'fixTimeouts.statementTimeout': lintSetting<string>({
    schema: { type: 'string', pattern: INTERVAL_PATTERN },
    default: '30min',
    scope: 'resource',
    description: 'statement_timeout the require-timeouts fix sets around an index build (Postgres interval syntax).',
    summary: 'the statement_timeout the require-timeouts fix writes',
    mustBe: INTERVAL_MUST_BE,
    apply: (value, settings) => (settings.fixTimeouts = { ...settings.fixTimeouts, statement: value.trim() }),
  }),
  'fixTimeouts.lockTimeout': lintSetting<string>({
    schema: { type: 'string', pattern: INTERVAL_PATTERN },
    default: '10s',
    scope: 'resource',
    description: 'lock_timeout the require-timeouts fix sets around an index operation (Postgres interval syntax).',
    summary: 'the lock_timeout the require-timeouts fix writes',
    mustBe: INTERVAL_MUST_BE,
    apply: (value, settings) => (settings.fixTimeouts = { ...settings.fixTimeouts, lock: value.trim() }),
  }),
  'fixTimeouts.onlyInProduction': lintSetting<boolean>({
    schema: { type: 'boolean' },
    default: false,
    scope: 'resource',
    description:
      'Rails: the timeouts that fixes write (require-timeouts, "Make this migration production-safe") go inside `if Rails.env.production?`, as the production guide writes them.',
    summary: 'Rails: those timeouts go under `if Rails.env.production?`, as the production guide writes them',
    mustBe: 'true or false',
    apply: (value, settings) => (settings.fixTimeouts = { ...settings.fixTimeouts, onlyInProduction: value }),
  }),
  minBuildStatementTimeoutMinutes: lintSetting<number>({
    schema: positiveNumber,
    default: 10,
    scope: 'resource',
    description:
      'A statement_timeout shorter than this before a concurrent build is reported: it would cancel the build halfway and leave an INVALID index.',
    summary: 'a shorter statement_timeout before a concurrent build is reported',
    mustBe: 'a positive number',
    apply: (value, settings) => (settings.minBuildStatementTimeoutMs = value * 60_000),
  }),
  lowSelectivityColumns: lintSetting<string[]>({
    schema: stringList,
    default: [],
    scope: 'resource',
    description: 'Columns with few distinct values (`status`, or `messages.status` for one table): a full index on them is reported by prefer-partial-index.',
    summary: 'columns with few distinct values (`status`, `messages.status`) for prefer-partial-index',
    mustBe: 'an array of column names',
    apply: (value, settings) => (settings.lowSelectivityColumns = [...value]),
  }),
  sqlRunner: lintSetting<string>({
    schema: { type: 'string', enum: ['auto', ...SQL_RUNNER_NAMES] },
    default: 'auto',
    scope: 'resource',
    description:
      'Which tool runs your SQL migrations, when a file does not say it itself. It decides whether statements run in a transaction (`auto`: detected from markers and file layout; otherwise statement by statement, as `psql -f`).',
    summary: 'the tool that runs your SQL migrations, when files do not say',
    mustBe: `one of: auto, ${SQL_RUNNER_NAMES.join(', ')}`,
    apply: (value, settings) => {
      if (value === 'auto') delete settings.sqlRunner;
      else settings.sqlRunner = value;
    },
  }),

  connections: editorSetting({
    schema: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string' },
          url: { type: 'string' },
          host: { type: 'string' },
          port: { type: 'number' },
          database: { type: 'string' },
          user: { type: 'string' },
          sslmode: { type: 'string', enum: ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] },
          sslrootcert: { type: 'string', description: "CA certificate (PEM) that signed the server's certificate." },
          sslcert: { type: 'string', description: 'Client certificate (PEM), for servers that authenticate by certificate.' },
          sslkey: { type: 'string', description: "The client certificate's private key (PEM, not encrypted)." },
          production: { type: 'boolean', description: 'A production database: the lock trace refuses to run on it.' },
        },
      },
    },
    default: [],
    scope: 'resource',
    description:
      'Named database connections. Each: `name` and either `url` (without password) or `host`, `port`, `database`, `user`; optional `sslmode` and `sslrootcert` (CA file). Passwords are asked once and kept in VS Code secret storage, never here.',
    summary: 'named connections (`name`, `url` or `host`/`port`/`database`/`user`, `sslmode`, `sslrootcert`, and `sslcert`/`sslkey` for certificate authentication); no passwords',
  }),
  autoConnect: editorSetting({
    schema: { type: 'boolean' },
    default: false,
    scope: 'resource',
    description:
      'Connect to the first database found (settings, DATABASE_URL, config/database.yml) without asking, when none was chosen for this workspace yet. The session is read-only.',
    summary: 'connect to the first database found without asking (when none was chosen yet)',
  }),
  refreshInterval: editorSetting({
    schema: { type: 'number', minimum: 1 },
    default: 5,
    description: 'Seconds between refreshes of the database views while one is visible.',
    summary: 'seconds between refreshes of the database views while visible',
  }),
  statusBar: editorSetting({
    schema: { type: 'boolean' },
    default: true,
    description: 'Show running index builds in the status bar (polls the connected database every few seconds while connected).',
    summary: 'running builds in the status bar',
  }),
  'impact.codeLens': editorSetting({
    schema: { type: 'boolean' },
    default: true,
    scope: 'resource',
    description:
      'Show at the top of each migration what it will do to production, per table: the strongest blocking lock, the estimated build time and index size (when connected), and how many statements run outside a transaction. Hovering an index operation shows the details.',
    summary: 'the summary line at the top of each migration (locks, estimates)',
  }),
  'builder.lockTimeout': editorSetting({
    schema: { type: 'string' },
    default: '5s',
    description: 'lock_timeout of "Create Pending Indexes" builds (a lock timeout is retried with backoff).',
    summary: 'lock_timeout of Create Pending Indexes builds (CLI: `create-pending --lock-timeout`)',
  }),
  'builder.statementTimeout': editorSetting({
    schema: { type: 'string' },
    default: '0',
    description: 'statement_timeout of each build (0: none).',
    summary: 'statement_timeout of each Create Pending Indexes build, 0: none (CLI: `--statement-timeout`)',
  }),
  'builder.maxDurationMinutes': editorSetting({
    schema: { type: 'number', minimum: 0 },
    default: 0,
    description: 'Cancel and clean up a build still running after this many minutes (0: no limit).',
    summary: 'Create Pending Indexes cancels a build running longer, 0: no limit (CLI: `--max-duration`)',
  }),
  'builder.maxActiveConnections': editorSetting({
    schema: { type: 'number', minimum: 0 },
    default: 0,
    description: 'Do not start a build while more sessions than this are active (0: no limit).',
    summary: 'Create Pending Indexes waits while more sessions are active, 0: no limit (CLI: `--max-active-connections`)',
  }),
  lintDelay: editorSetting({
    schema: { type: 'number', minimum: 0 },
    default: 250,
    description: 'Milliseconds to wait after typing stops before linting again.',
    summary: 'milliseconds after the last keystroke before linting again',
  }),
};

export const SETTINGS_SECTION = 'pgIndexGuard';
/** Where the schema of `.pg-index-guard.json` is, from the repository's (and the .vsix's) root. */
export const SETTINGS_SCHEMA_PATH = 'schemas/pg-index-guard.schema.json';
/** Where other editors can fetch it: the value for a file's `"$schema"`. */
export const SETTINGS_SCHEMA_URL = `https://raw.githubusercontent.com/pg-index-guard/pg-index-guard/main/${SETTINGS_SCHEMA_PATH}`;

export function lintSettingSpecs(): Array<[string, LintSettingSpec]> {
  return Object.entries(SETTINGS).filter((entry): entry is [string, LintSettingSpec] => entry[1].lint);
}

// ---- what the table generates -------------------------------------------------------------

/** The schema of a setting's value with its default and description, as VS Code and the schema file take it. */
function documented(spec: SettingSpec): JsonSchema {
  // patternErrorMessage: VS Code's own keyword, for the message of a value the pattern refuses.
  const patternMessage = spec.lint && spec.schema.pattern !== undefined ? { patternErrorMessage: `Must be ${spec.mustBe}.` } : {};
  return { ...spec.schema, ...patternMessage, default: spec.default, markdownDescription: spec.description };
}

/** schemas/pg-index-guard.schema.json: the lint settings, by their file names. */
export function settingsFileSchema(): JsonSchema {
  const properties: Record<string, JsonSchema> = {
    $schema: { type: 'string', description: 'The schema of this file (editors use it for completion).' },
  };
  for (const [name, spec] of lintSettingSpecs()) properties[name] = { ...documented(spec), description: spec.description };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: SETTINGS_SCHEMA_URL,
    title: 'PG Index Guard settings (.pg-index-guard.json)',
    description:
      'The lint settings of a project, read by the pg-index-guard CLI and by the VS Code extension (where the file replaces the pgIndexGuard lint settings). Generated from src/core/settings-schema.ts.',
    type: 'object',
    properties,
    additionalProperties: false,
  };
}

/** package.json's contributes.configuration, the properties in alphabetical order. */
export function contributedConfiguration(): { title: string; properties: Record<string, JsonSchema> } {
  const properties: Record<string, JsonSchema> = {};
  for (const name of Object.keys(SETTINGS).sort()) {
    const spec = SETTINGS[name]!;
    const { default: value, markdownDescription, ...schema } = documented(spec);
    properties[`${SETTINGS_SECTION}.${name}`] = { ...schema, default: value, ...(spec.scope ? { scope: spec.scope } : {}), markdownDescription };
  }
  return { title: 'PG Index Guard', properties };
}

export const README_SETTINGS_START = '<!-- settings:start -->';
export const README_SETTINGS_END = '<!-- settings:end -->';

/** The README's table of every setting: name, default, whether `.pg-index-guard.json` takes it. */
export function readmeSettingsTable(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = Object.entries(SETTINGS).map(
    ([name, spec]) =>
      `| \`${SETTINGS_SECTION}.${name}\` | \`${cell(JSON.stringify(spec.default))}\` | ${spec.lint ? `\`${name}\`` : 'editor only'} | ${cell(spec.summary)} |`,
  );
  return ['| VS Code setting | default | in `.pg-index-guard.json` | what it does |', '|---|---|---|---|', ...rows].join('\n');
}

/** `readme` with the text between the settings markers replaced by `table`; null when the markers are missing. */
export function replaceReadmeSettingsTable(readme: string, table: string): string | null {
  const start = readme.indexOf(README_SETTINGS_START);
  const end = readme.indexOf(README_SETTINGS_END);
  if (start < 0 || end < start) return null;
  return `${readme.slice(0, start + README_SETTINGS_START.length)}\n${table}\n${readme.slice(end)}`;
}

// ---- validation by the schema -------------------------------------------------------------

/** Keywords that only document a value. */
const ANNOTATIONS = new Set(['description', 'markdownDescription', 'patternErrorMessage', 'default', 'title', '$schema', '$id']);
/** Every keyword matchesSchema checks; a schema with another one is refused by `unsupportedKeywords`. */
const VALIDATED = new Set(['type', 'enum', 'exclusiveMinimum', 'minimum', 'pattern', 'items', 'properties', 'additionalProperties', 'required']);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function hasType(value: unknown, type: unknown): boolean {
  switch (type) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isInteger(value);
    case 'string':
      return typeof value === 'string';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    default:
      return false;
  }
}

/** Does `value` satisfy `schema` (the draft-07 subset of VALIDATED)? The same answer as a JSON Schema validator (see the test). */
export function matchesSchema(schema: JsonSchema, value: unknown): boolean {
  if (schema.type !== undefined && !hasType(value, schema.type)) return false;
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return false;
  if (typeof value === 'number') {
    if (typeof schema.exclusiveMinimum === 'number' && !(value > schema.exclusiveMinimum)) return false;
    if (typeof schema.minimum === 'number' && !(value >= schema.minimum)) return false;
  }
  if (typeof value === 'string' && typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) return false;
  if (Array.isArray(value) && isObject(schema.items)) {
    if (!value.every((item) => matchesSchema(schema.items as JsonSchema, item))) return false;
  }
  if (isObject(value)) {
    const properties = isObject(schema.properties) ? (schema.properties as Record<string, JsonSchema>) : {};
    if (Array.isArray(schema.required) && !schema.required.every((key) => Object.hasOwn(value, key as string))) return false;
    for (const [key, item] of Object.entries(value)) {
      if (Object.hasOwn(properties, key)) {
        if (!matchesSchema(properties[key]!, item)) return false;
      } else if (schema.additionalProperties === false) {
        return false;
      } else if (isObject(schema.additionalProperties) && !matchesSchema(schema.additionalProperties as JsonSchema, item)) {
        return false;
      }
    }
  }
  return true;
}

/** Keywords in `schema` (at any depth) that matchesSchema would ignore: none, or validation and schema disagree. */
export function unsupportedKeywords(schema: JsonSchema, at = ''): string[] {
  const found: string[] = [];
  for (const [keyword, value] of Object.entries(schema)) {
    if (!VALIDATED.has(keyword) && !ANNOTATIONS.has(keyword)) found.push(`${at}${keyword}`);
    if ((keyword === 'items' || keyword === 'additionalProperties') && isObject(value)) found.push(...unsupportedKeywords(value, `${at}${keyword}.`));
    if (keyword === 'properties' && isObject(value)) {
      for (const [name, property] of Object.entries(value)) if (isObject(property)) found.push(...unsupportedKeywords(property, `${at}properties.${name}.`));
    }
  }
  return found;
}
