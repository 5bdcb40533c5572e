import * as vscode from 'vscode';
import { DEFAULT_SETTINGS, type LintSettings, type RuleSetting } from '../core/lint-context';

export const SECTION = 'pgIndexGuard';

/** Reads the linter's settings for a document's folder. Bad values fall back to defaults, never throw. */
export function readLintSettings(scope?: vscode.ConfigurationScope): LintSettings {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  const rules = config.get<Record<string, RuleSetting>>('rules') ?? {};
  const largeTables = config.get<string[]>('largeTables');
  const threshold = config.get<number>('largeTableRowThreshold');
  const maxFileSize = config.get<number>('maxFileSize');
  return {
    ...DEFAULT_SETTINGS,
    rules: typeof rules === 'object' && rules !== null ? rules : {},
    largeTables: Array.isArray(largeTables) ? largeTables.filter((t) => typeof t === 'string') : DEFAULT_SETTINGS.largeTables,
    largeTableRowThreshold: typeof threshold === 'number' && threshold > 0 ? threshold : DEFAULT_SETTINGS.largeTableRowThreshold,
    maxFileBytes: typeof maxFileSize === 'number' && maxFileSize > 0 ? maxFileSize : DEFAULT_SETTINGS.maxFileBytes,
  };
}

export function lintDelayMs(): number {
  const delay = vscode.workspace.getConfiguration(SECTION).get<number>('lintDelay');
  return typeof delay === 'number' && delay >= 0 ? delay : 250;
}
