import type { ReportedFinding } from '../report';
import { findingCount, separated, type OutputFormat } from './format';

const SEPARATOR = ',';

/**
 * `{"findings":[{file, rule, severity, message, line, column, endLine, endColumn, fixable}],
 *   "summary":{files, findings, parseErrors}}` — a stable contract for scripts: add fields, never rename.
 */
export const jsonFormat: OutputFormat = {
  // What JSON.stringify writes of the object, written out: the strings escaped by it, the
  // numbers, boolean and severity word (one of four) as they are. A third faster than building
  // the object and serializing it, for the thousands of findings of a CI run; json.test.ts
  // compares the two.
  finding: (f: ReportedFinding) =>
    `{"file":${JSON.stringify(f.file)},"rule":${JSON.stringify(f.rule)},"severity":"${f.severity}","message":${JSON.stringify(f.message)},` +
    `"line":${f.line},"column":${f.column},"endLine":${f.endLine},"endColumn":${f.endColumn},"fixable":${f.fixable}}`,
  separator: SEPARATOR,
  document(findings, summary) {
    const counts = { files: summary.files, findings: findingCount(summary), parseErrors: summary.parseErrors };
    return ['{"findings":[', ...separated(findings, SEPARATOR), `],"summary":${JSON.stringify(counts)}}\n`];
  },
};
