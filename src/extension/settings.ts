import * as vscode from 'vscode';
import type { LintSettings } from '../core/lint-context';
import { applyLintSetting, defaultLintSettings, LINT_SETTING_NAMES } from '../core/settings-keys';

export const SECTION = 'pgIndexGuard';

/**
 * Reads the linter's settings for a document's folder from VS Code's settings (resource scoped:
 * each folder of a multi-root workspace may set its own; null: the workspace's), by the same table
 * the CLI reads `.pg-index-guard.json` with (LINT_SETTING_NAMES). A bad value keeps that
 * setting's default (told to `onProblem`), never throws.
 */
export function readLintSettings(scope: vscode.ConfigurationScope | null, onProblem?: (problem: string) => void): LintSettings {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  const settings = defaultLintSettings();
  for (const name of LINT_SETTING_NAMES) {
    const value = config.get<unknown>(name);
    if (value === undefined) continue;
    const problem = applyLintSetting(settings, name, value);
    if (problem) onProblem?.(`${SECTION}.${name}: ${problem} Its default is used.`);
  }
  return settings;
}

export function lintDelayMs(): number {
  const delay = vscode.workspace.getConfiguration(SECTION).get<number>('lintDelay');
  return typeof delay === 'number' && delay >= 0 ? delay : 250;
}
