import type { MigrationFile, Operation, SourceRange } from '../model/migration';
import type { Fix } from '../fixes/fix';
import type { DatabaseIndex, LintContext } from '../lint-context';

export type Severity = 'error' | 'warning' | 'info' | 'hint';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info', 'hint'];

/** Everything a rule's documentation page and the README table are generated from. */
export interface RuleDocs {
  /** Why it hurts in production, in a paragraph. */
  why: string;
  /**
   * What the examples take for granted beyond the file (database state, settings), completing
   * "The examples assume ...". Shown on the rule's page.
   */
  assumes?: string;
  bad: RuleExamples;
  good: RuleExamples;
  /** What the quick fix does. */
  fix: string;
}

/** One example per language; `python` is a Django migration, `typescript` / `javascript` a Node ORM's (the snippet says which). */
export interface RuleExamples {
  ruby?: string;
  sql?: string;
  python?: string;
  typescript?: string;
  javascript?: string;
}

export interface RuleMeta {
  id: string;
  /** One line for tables and hovers. */
  summary: string;
  defaultSeverity: Severity;
  /** Whether the fix may be applied by fix-all (safe) or only offered (unsafe / none). */
  fixSafety: 'safe' | 'unsafe' | 'none' | 'suggestion';
  /** strong_migrations' `safety_assured` silences the rule. False for rules whose failure is not a judgement call. */
  honorsSafetyAssured: boolean;
  docs: RuleDocs;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  range: SourceRange;
  fixes: Fix[];
  /** The operation the finding is about, when there is one. */
  operation?: Operation;
  /** The connected database's index the finding is about (database rules), so commands act on exactly it. */
  databaseIndex?: DatabaseIndex;
}

export interface Rule {
  meta: RuleMeta;
  check(file: MigrationFile, context: LintContext): Finding[];
}
