import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_SETTINGS, type LintSettings, type RuleSetting } from '../core/lint-context';
import { RULES } from '../core/rules';
import { SEVERITIES } from '../core/rules/rule';
import { UsageError } from './io';

/** Looked for in the current directory when no --config is given. */
export const CONFIG_FILE_NAME = '.pg-index-guard.json';

const RULE_SETTINGS: readonly string[] = ['off', 'default', ...SEVERITIES];

/**
 * The keys a config file may hold and how each one lands in LintSettings. Names follow
 * the VS Code settings (`pgIndexGuard.<key>`) so one vocabulary serves both front ends.
 * Commands that need more (a database connection, ...) add their keys here.
 */
const KEYS: Record<string, (value: unknown, settings: LintSettings, where: string) => void> = {
  $schema: () => {},
  rules: (value, settings, where) => {
    if (!isPlainObject(value)) throw new UsageError(`${where}: "rules" must be an object of rule id -> severity.`);
    const rules: Record<string, RuleSetting> = {};
    for (const [id, setting] of Object.entries(value)) {
      if (!RULES.has(id)) {
        throw new UsageError(`${where}: unknown rule id "${id}" in "rules". Known rules: ${[...RULES.keys()].join(', ')}.`);
      }
      if (typeof setting !== 'string' || !RULE_SETTINGS.includes(setting)) {
        throw new UsageError(
          `${where}: bad severity ${JSON.stringify(setting)} for rule "${id}". Use one of: ${RULE_SETTINGS.join(', ')}.`,
        );
      }
      rules[id] = setting as RuleSetting;
    }
    settings.rules = rules;
  },
  largeTables: (value, settings, where) => {
    if (!Array.isArray(value) || value.some((t) => typeof t !== 'string')) {
      throw new UsageError(`${where}: "largeTables" must be an array of table names.`);
    }
    settings.largeTables = value as string[];
  },
  largeTableRowThreshold: (value, settings, where) => {
    settings.largeTableRowThreshold = positiveNumber(value, 'largeTableRowThreshold', where);
  },
  maxFileSize: (value, settings, where) => {
    settings.maxFileBytes = positiveNumber(value, 'maxFileSize', where);
  },
};

export interface LoadedConfig {
  settings: LintSettings;
  /** The file the settings came from; null for built-in defaults. */
  path: string | null;
}

/**
 * Reads `--config <file>`, or `.pg-index-guard.json` in `cwd` when there is one, and
 * validates it. Every problem is a UsageError (exit 2) that names the file and the key.
 */
export function loadConfig(explicitPath: string | undefined, cwd: string): LoadedConfig {
  const settings: LintSettings = { ...DEFAULT_SETTINGS, rules: { ...DEFAULT_SETTINGS.rules } };
  let path: string;
  if (explicitPath !== undefined) {
    path = resolve(cwd, explicitPath);
  } else {
    path = resolve(cwd, CONFIG_FILE_NAME);
    if (!existsSync(path)) return { settings, path: null };
  }
  const where = explicitPath ?? CONFIG_FILE_NAME;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read config file ${where}: ${errorMessage(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`Config file ${where} is not valid JSON: ${errorMessage(error)}`);
  }
  if (!isPlainObject(json)) throw new UsageError(`Config file ${where} must hold a JSON object.`);
  for (const [key, value] of Object.entries(json)) {
    const apply = KEYS[key];
    if (!apply) {
      const known = Object.keys(KEYS).filter((k) => k !== '$schema');
      throw new UsageError(`${where}: unknown setting "${key}". Known settings: ${known.join(', ')}.`);
    }
    apply(value, settings, where);
  }
  return { settings, path };
}

function positiveNumber(value: unknown, key: string, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(`${where}: "${key}" must be a positive number.`);
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'no such file or directory';
    if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
    if (code === 'EISDIR') return 'is a directory';
    return error.message;
  }
  return String(error);
}
