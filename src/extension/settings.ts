import * as vscode from 'vscode';
import { DEFAULT_SETTINGS, type LintSettings, type RuleSetting } from '../core/lint-context';

export const SECTION = 'pgIndexGuard';

/**
 * Reads the linter's settings for a document's folder (they are resource scoped: each folder of a
 * multi-root workspace may set its own; null: the workspace's). Bad values fall back to defaults, never throw.
 */
export function readLintSettings(scope: vscode.ConfigurationScope | null): LintSettings {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  const positive = (key: string, fallback: number) => {
    const value = config.get<number>(key);
    return typeof value === 'number' && value > 0 ? value : fallback;
  };
  const strings = (key: string, fallback: string[]) => {
    const value = config.get<unknown>(key);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : fallback;
  };
  const rules = config.get<Record<string, RuleSetting>>('rules');
  const statement = config.get<string>('fixTimeouts.statementTimeout');
  const lock = config.get<string>('fixTimeouts.lockTimeout');
  const runner = config.get<string>('sqlRunner');
  return {
    ...DEFAULT_SETTINGS,
    rules: typeof rules === 'object' && rules !== null ? rules : {},
    largeTables: strings('largeTables', DEFAULT_SETTINGS.largeTables),
    largeTableRowThreshold: positive('largeTableRowThreshold', DEFAULT_SETTINGS.largeTableRowThreshold),
    maxFileBytes: positive('maxFileSize', DEFAULT_SETTINGS.maxFileBytes),
    timeoutsConfiguredElsewhere: config.get<boolean>('timeoutsConfiguredElsewhere') === true,
    fixTimeouts: {
      statement: typeof statement === 'string' && statement.trim() ? statement.trim() : DEFAULT_SETTINGS.fixTimeouts.statement,
      lock: typeof lock === 'string' && lock.trim() ? lock.trim() : DEFAULT_SETTINGS.fixTimeouts.lock,
    },
    minBuildStatementTimeoutMs: positive('minBuildStatementTimeoutMinutes', DEFAULT_SETTINGS.minBuildStatementTimeoutMs / 60_000) * 60_000,
    lowSelectivityColumns: strings('lowSelectivityColumns', DEFAULT_SETTINGS.lowSelectivityColumns),
    ...(typeof runner === 'string' && runner !== 'auto' && runner ? { sqlRunner: runner } : {}),
  } as LintSettings;
}

export function lintDelayMs(): number {
  const delay = vscode.workspace.getConfiguration(SECTION).get<number>('lintDelay');
  return typeof delay === 'number' && delay >= 0 ? delay : 250;
}
