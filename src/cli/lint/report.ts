import type { Severity } from '../../core/rules/rule';
import type { ReportSummary } from './formats/format';

/** A finding with 1-based positions, ready for any output format. */
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
  /** Each finding as the output format renders it (OutputFormat.finding), in the files' order. */
  findings: string[];
  summary: ReportSummary;
}

const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1, hint: 0 };

export function reaches(severity: Severity, threshold: Severity): boolean {
  return RANK[severity] >= RANK[threshold];
}
