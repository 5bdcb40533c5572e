import type { Severity } from './rules/rule';

export type RuleSetting = Severity | 'off' | 'default';

export interface LintSettings {
  /** Per-rule override: off, or a fixed severity. */
  rules: Record<string, RuleSetting>;
  /** Tables known to be large (severity grows on them). */
  largeTables: string[];
  /** Row estimate above which a table counts as large (used with database facts). */
  largeTableRowThreshold: number;
  /** Files larger than this are skipped with a message. */
  maxFileBytes: number;
}

/** What a connected database tells the linter. All optional: the linter works without a database. */
export interface DatabaseFacts {
  /** Row estimates by table name (unqualified, lower case). */
  tableRowEstimates?: Map<string, number>;
  serverVersionNum?: number;
}

export interface LintContext {
  settings: LintSettings;
  database?: DatabaseFacts;
}

export const DEFAULT_SETTINGS: LintSettings = {
  rules: {},
  largeTables: [],
  largeTableRowThreshold: 1_000_000,
  maxFileBytes: 1_000_000,
};

export function defaultContext(overrides: Partial<LintSettings> = {}): LintContext {
  return { settings: { ...DEFAULT_SETTINGS, ...overrides } };
}

/** Is this table known to be large, known to be small, or unknown? */
export function tableSize(table: string | null, context: LintContext): 'large' | 'small' | 'unknown' {
  if (table === null) return 'unknown';
  const name = table.toLowerCase().replace(/^.*\./, '');
  if (context.settings.largeTables.some((t) => t.toLowerCase() === name)) return 'large';
  const rows = context.database?.tableRowEstimates?.get(name);
  if (rows === undefined) return 'unknown';
  return rows >= context.settings.largeTableRowThreshold ? 'large' : 'small';
}
