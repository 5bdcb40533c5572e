import type { Severity } from '../../core/rules/rule';

/** A finding with 1-based positions, ready for any output format. Plain data: it crosses worker threads. */
export interface ReportedFinding {
  file: string;
  rule: string;
  severity: Severity;
  message: string;
  line: number;
  column: number;
  /** End of the range; endColumn points just past its last character (as in SARIF). */
  endLine: number;
  endColumn: number;
  fixable: boolean;
}

export interface LintReport {
  findings: ReportedFinding[];
  /** Files linted (walked files that were not migrations are not counted). */
  files: number;
  /** Files with a syntax error. */
  parseErrors: number;
}

const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1, hint: 0 };

export function reaches(severity: Severity, threshold: Severity): boolean {
  return RANK[severity] >= RANK[threshold];
}

export function countBySeverity(findings: readonly ReportedFinding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0, hint: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}
