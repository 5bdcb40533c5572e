import type { LintSettings } from '../core/lint-context';
import { applyLintSetting, defaultLintSettings, LINT_SETTING_NAMES } from '../core/settings-keys';

/** The section clients are asked for (workspace/configuration) and may nest settings under. */
export const SETTINGS_SECTION = 'pgIndexGuard';

/** Milliseconds after the last change before a document is linted again (VS Code's default too). */
export const DEFAULT_LINT_DELAY_MS = 250;

/** What an editor tells the server: the VS Code settings' names, without the `pgIndexGuard.` prefix. */
export interface ClientSettings {
  lint: LintSettings;
  lintDelayMs: number;
  /** A read-only database whose statistics sharpen the findings (row estimates, INVALID indexes). */
  databaseUrl: string | null;
  /** What was wrong with the values given (each kept its default). */
  problems: string[];
}

/** Keys read here besides the lint settings; anything else unknown is reported, not fatal. */
const SERVER_KEYS = new Set(['lintDelay', 'databaseUrl']);

/**
 * Reads settings as editors send them (`layers`: initializationOptions, then what the editor answers): a flat object (`{"rules": {...}, "largeTables": [...]}`),
 * the same nested under `pgIndexGuard`, or dotted keys (`"pgIndexGuard.largeTables"`, as a VS
 * Code settings.json holds them). A bad value keeps its default and is named in `problems`.
 */
export function readClientSettings(...layers: unknown[]): ClientSettings {
  const result: ClientSettings = { lint: defaultLintSettings(), lintDelayMs: DEFAULT_LINT_DELAY_MS, databaseUrl: null, problems: [] };
  // Later layers win, setting by setting.
  const values = Object.assign({}, ...layers.map(flatten)) as Record<string, unknown>;
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || value === null) continue;
    if (name === 'lintDelay') {
      if (typeof value === 'number' && Number.isFinite(value) && value >= 0) result.lintDelayMs = value;
      else result.problems.push(`lintDelay must be a number of milliseconds, 0 or more (got ${JSON.stringify(value)}).`);
      continue;
    }
    if (name === 'databaseUrl') {
      if (typeof value === 'string') result.databaseUrl = value.trim() === '' ? null : value.trim();
      else result.problems.push('databaseUrl must be a postgres:// URL string.');
      continue;
    }
    if (!LINT_SETTING_NAMES.includes(name)) {
      // VS Code-only settings (connections, statusBar...) are sent by clients that copy them: not an error.
      if (!SERVER_KEYS.has(name) && !VSCODE_ONLY_PREFIXES.some((prefix) => name === prefix || name.startsWith(`${prefix}.`))) {
        result.problems.push(`unknown setting "${name}".`);
      }
      continue;
    }
    const problem = applyLintSetting(result.lint, name, value);
    if (problem) result.problems.push(problem);
  }
  return result;
}

/** Settings of the VS Code extension that the server has no use for. */
const VSCODE_ONLY_PREFIXES = ['autoConnect', 'builder', 'connections', 'impact', 'refreshInterval', 'statusBar'];

/** Lint settings whose names have a dot (LINT_SETTING_NAMES), by the part before it. */
const DOTTED_GROUPS = [...new Set(LINT_SETTING_NAMES.filter((name) => name.includes('.')).map((name) => name.split('.')[0]!))];

function flatten(raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  const object = raw as Record<string, unknown>;
  const nested = object[SETTINGS_SECTION];
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (key === SETTINGS_SECTION) continue;
    if (key.startsWith(`${SETTINGS_SECTION}.`)) values[key.slice(SETTINGS_SECTION.length + 1)] = value;
    else values[key] = value;
  }
  if (typeof nested === 'object' && nested !== null && !Array.isArray(nested)) Object.assign(values, nested);
  // Clients that store settings as JSON objects send `fixTimeouts.lockTimeout` nested.
  for (const group of DOTTED_GROUPS) {
    const value = values[group];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    delete values[group];
    for (const [key, inner] of Object.entries(value)) values[`${group}.${key}`] = inner;
  }
  return values;
}
