import type { LintReport } from '../report';

/**
 * `{"findings":[{file, rule, severity, message, line, column, endLine, endColumn, fixable}],
 *   "summary":{files, findings, parseErrors}}` — a stable contract for scripts: add fields, never rename.
 */
export function formatJson(report: LintReport): string {
  const findings = report.findings.map((f) => ({
    file: f.file,
    rule: f.rule,
    severity: f.severity,
    message: f.message,
    line: f.line,
    column: f.column,
    endLine: f.endLine,
    endColumn: f.endColumn,
    fixable: f.fixable,
  }));
  const summary = { files: report.files, findings: report.findings.length, parseErrors: report.parseErrors };
  return `${JSON.stringify({ findings, summary })}\n`;
}
