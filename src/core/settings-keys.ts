// The linter's settings by name, read the same way by both front ends: the CLI's
// `.pg-index-guard.json` / `--config` and VS Code's `pgIndexGuard.<name>` settings (a team's
// `.pg-index-guard.json` is also read by the editor), so a file gets the same findings, at the
// same severities, in the editor and in CI.

import { DEFAULT_SETTINGS, type LintSettings, type RuleSetting } from './lint-context';
import { SQL_RUNNER_NAMES } from './model/migration';
import { RULES } from './rules';
import { SEVERITIES } from './rules/rule';

/** The file both front ends read the project's lint settings from, at the project's root. */
export const SETTINGS_FILE_NAME = '.pg-index-guard.json';

const RULE_SETTINGS: readonly string[] = ['off', 'default', ...SEVERITIES];

/** Applies one value to the settings; returns what is wrong with it (the settings untouched), or null. */
type ApplySetting = (value: unknown, settings: LintSettings) => string | null;

const positive = (key: string, apply: (value: number, settings: LintSettings) => void): ApplySetting => (value, settings) => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return `"${key}" must be a positive number.`;
  apply(value, settings);
  return null;
};

const names = (key: string, what: string, apply: (value: string[], settings: LintSettings) => void): ApplySetting => (value, settings) => {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) return `"${key}" must be an array of ${what}.`;
  apply(value as string[], settings);
  return null;
};

const interval = (key: string, apply: (value: string, settings: LintSettings) => void): ApplySetting => (value, settings) => {
  if (typeof value !== 'string' || value.trim() === '') return `"${key}" must be a Postgres interval such as "10s" or "30min".`;
  apply(value.trim(), settings);
  return null;
};

/** Every lint setting, by the name VS Code spells `pgIndexGuard.<name>` and the settings file spells `<name>`. */
const LINT_SETTINGS: Record<string, ApplySetting> = {
  rules: (value, settings) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return '"rules" must be an object of rule id -> severity.';
    const rules: Record<string, RuleSetting> = {};
    for (const [id, setting] of Object.entries(value)) {
      if (!RULES.has(id)) return `unknown rule id "${id}" in "rules". Known rules: ${[...RULES.keys()].join(', ')}.`;
      if (typeof setting !== 'string' || !RULE_SETTINGS.includes(setting)) {
        return `bad severity ${JSON.stringify(setting)} for rule "${id}". Use one of: ${RULE_SETTINGS.join(', ')}.`;
      }
      rules[id] = setting as RuleSetting;
    }
    settings.rules = rules;
    return null;
  },
  largeTables: names('largeTables', 'table names', (value, settings) => (settings.largeTables = value)),
  largeTableRowThreshold: positive('largeTableRowThreshold', (value, settings) => (settings.largeTableRowThreshold = value)),
  maxFileSize: positive('maxFileSize', (value, settings) => (settings.maxFileBytes = value)),
  timeoutsConfiguredElsewhere: (value, settings) => {
    if (typeof value !== 'boolean') return '"timeoutsConfiguredElsewhere" must be true or false.';
    settings.timeoutsConfiguredElsewhere = value;
    return null;
  },
  'fixTimeouts.statementTimeout': interval('fixTimeouts.statementTimeout', (value, settings) => (settings.fixTimeouts = { ...settings.fixTimeouts, statement: value })),
  'fixTimeouts.lockTimeout': interval('fixTimeouts.lockTimeout', (value, settings) => (settings.fixTimeouts = { ...settings.fixTimeouts, lock: value })),
  'fixTimeouts.onlyInProduction': (value, settings) => {
    if (typeof value !== 'boolean') return '"fixTimeouts.onlyInProduction" must be true or false.';
    settings.fixTimeouts = { ...settings.fixTimeouts, onlyInProduction: value };
    return null;
  },
  minBuildStatementTimeoutMinutes: positive('minBuildStatementTimeoutMinutes', (value, settings) => (settings.minBuildStatementTimeoutMs = value * 60_000)),
  lowSelectivityColumns: names('lowSelectivityColumns', 'column names', (value, settings) => (settings.lowSelectivityColumns = value)),
  sqlRunner: (value, settings) => {
    if (value === 'auto') {
      delete settings.sqlRunner;
      return null;
    }
    if (typeof value !== 'string' || !(SQL_RUNNER_NAMES as readonly string[]).includes(value)) {
      return `"sqlRunner" must be one of: auto, ${SQL_RUNNER_NAMES.join(', ')}.`;
    }
    settings.sqlRunner = value;
    return null;
  },
};

/** The names of the lint settings, in the order they are documented. */
export const LINT_SETTING_NAMES: readonly string[] = Object.keys(LINT_SETTINGS);

/** Fresh default settings (nothing shared with DEFAULT_SETTINGS that a setting could change). */
export function defaultLintSettings(): LintSettings {
  return { ...DEFAULT_SETTINGS, rules: {}, fixTimeouts: { ...DEFAULT_SETTINGS.fixTimeouts } };
}

/**
 * Sets `name` to `value`. Returns what is wrong (an unknown name, a bad value), or null. A bad
 * value leaves the setting as it was.
 */
export function applyLintSetting(settings: LintSettings, name: string, value: unknown): string | null {
  const apply = Object.hasOwn(LINT_SETTINGS, name) ? LINT_SETTINGS[name]! : undefined;
  if (!apply) return `unknown setting "${name}". Known settings: ${LINT_SETTING_NAMES.join(', ')}.`;
  return apply(value, settings);
}

/** Thrown by readSettingsFile: what is wrong with the file, without its name (the caller adds it). */
export class SettingsFileError extends Error {
  constructor(
    message: string,
    /** The text as a whole is wrong ("is not valid JSON"), rather than one setting in it. */
    readonly wholeFile = false,
  ) {
    super(message);
  }
}

/**
 * The settings a `.pg-index-guard.json` text gives, on top of the defaults. `$schema` is allowed
 * (editors use it); anything else unknown or ill-typed throws a SettingsFileError.
 */
export function readSettingsFile(text: string): LintSettings {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SettingsFileError(`is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, true);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new SettingsFileError('must hold a JSON object.', true);
  const settings = defaultLintSettings();
  for (const [name, value] of Object.entries(json)) {
    if (name === '$schema') continue;
    const problem = applyLintSetting(settings, name, value);
    if (problem) throw new SettingsFileError(problem);
  }
  return settings;
}
