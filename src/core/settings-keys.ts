// The linter's settings by name, read the same way by both front ends: the CLI's
// `.pg-index-guard.json` / `--config` and VS Code's `pgIndexGuard.<name>` settings (a team's
// `.pg-index-guard.json` is also read by the editor), so a file gets the same findings, at the
// same severities, in the editor and in CI.

import { DEFAULT_SETTINGS, type LintSettings } from './lint-context';
import { lintSettingSpecs, matchesSchema, SETTINGS, SETTINGS_SECTION, type LintSettingSpec } from './settings-schema';

/** The file both front ends read the project's lint settings from, at the project's root. */
export const SETTINGS_FILE_NAME = '.pg-index-guard.json';

/** Every lint setting (settings-schema.ts), by the name VS Code spells `pgIndexGuard.<name>` and the settings file spells `<name>`. */
const LINT_SETTINGS: ReadonlyMap<string, LintSettingSpec> = new Map(lintSettingSpecs());

/** The names of the lint settings, in the order they are documented. */
export const LINT_SETTING_NAMES: readonly string[] = [...LINT_SETTINGS.keys()];

/** Fresh default settings (nothing shared with DEFAULT_SETTINGS that a setting could change). */
export function defaultLintSettings(): LintSettings {
  return { ...DEFAULT_SETTINGS, rules: {}, fixTimeouts: { ...DEFAULT_SETTINGS.fixTimeouts } };
}

/**
 * Sets `name` to `value`. Returns what is wrong (an unknown name, a bad value), or null. A bad
 * value leaves the setting as it was.
 */
export function applyLintSetting(settings: LintSettings, name: string, value: unknown): string | null {
  const spec = LINT_SETTINGS.get(name);
  if (!spec) return unknownSetting(name);
  if (!matchesSchema(spec.schema, value)) return spec.explain?.(value) ?? `"${name}" must be ${spec.mustBe}.`;
  spec.apply(value as never, settings);
  return null;
}

function unknownSetting(name: string): string {
  if (Object.hasOwn(SETTINGS, name)) {
    return `"${name}" is an editor setting, not a lint setting: set ${SETTINGS_SECTION}.${name} in VS Code's settings. Known settings: ${LINT_SETTING_NAMES.join(', ')}.`;
  }
  const nested = LINT_SETTING_NAMES.filter((known) => known.startsWith(`${name}.`));
  if (nested.length > 0) return `unknown setting "${name}": write ${nested.map((known) => `"${known}"`).join(' and ')} (one key each, as VS Code's settings do).`;
  return `unknown setting "${name}". Known settings: ${LINT_SETTING_NAMES.join(', ')}.`;
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

  /** The problem, after where it is: `<where> is not valid JSON`, `<where>: rules.x must be ...`. */
  describe(where: string): string {
    return this.wholeFile ? `${where} ${this.message}` : `${where}: ${this.message}`;
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
