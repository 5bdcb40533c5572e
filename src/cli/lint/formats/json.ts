import type { ReportedFinding } from '../report';
import { findingCount, separated, type OutputFormat } from './format';

const SEPARATOR = ',';

/**
 * `{"findings":[{file, rule, severity, message, line, column, endLine, endColumn, fixable}],
 *   "summary":{files, findings, parseErrors}}` — a stable contract for scripts: add fields, never rename.
 */
export const jsonFormat: OutputFormat = {
  finding: (f: ReportedFinding) =>
    JSON.stringify({
      file: f.file,
      rule: f.rule,
      severity: f.severity,
      message: f.message,
      line: f.line,
      column: f.column,
      endLine: f.endLine,
      endColumn: f.endColumn,
      fixable: f.fixable,
    }),
  separator: SEPARATOR,
  document(findings, summary) {
    const counts = { files: summary.files, findings: findingCount(summary), parseErrors: summary.parseErrors };
    return ['{"findings":[', ...separated(findings, SEPARATOR), `],"summary":${JSON.stringify(counts)}}\n`];
  },
};
