import { createHash } from 'node:crypto';
import type { Severity } from '../../../core/rules/rule';
import type { ReportedFinding } from '../report';
import { separated, type OutputFormat } from './format';

/**
 * GitLab's severities (info, minor, major, critical, blocker): an error here is a migration that
 * would block a production table, so it ranks above the code-style tools' "major".
 */
const SEVERITY: Record<Severity, string> = { error: 'critical', warning: 'major', info: 'minor', hint: 'info' };

const SEPARATOR = ',\n';

/**
 * GitLab Code Quality (a subset of Code Climate's issue format), for `artifacts: reports:
 * codequality:` — https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format.
 * The fingerprint is the file, the rule, the message and which occurrence of that message in the
 * file it is, not the line: a finding that moves down when lines are added above it is still the
 * same issue in the merge request widget, and two equal findings in one file stay two.
 */
export function gitlabFormat(): OutputFormat {
  // One format per thread, and each file is linted and rendered by one thread, in order.
  const occurrences = new Map<string, number>();
  return {
    finding(f: ReportedFinding) {
      const key = `${f.file}\0${f.rule}\0${f.message}`;
      const occurrence = (occurrences.get(key) ?? 0) + 1;
      occurrences.set(key, occurrence);
      const issue = {
        type: 'issue',
        description: f.message,
        check_name: f.rule,
        fingerprint: createHash('sha256').update(`${key}\0${occurrence}`).digest('hex'),
        severity: SEVERITY[f.severity],
        categories: ['Bug Risk'],
        location: { path: f.file, lines: { begin: f.line, end: f.endLine } },
      };
      return `  ${JSON.stringify(issue)}`;
    },
    separator: SEPARATOR,
    document: (findings) => (findings.length === 0 ? ['[]\n'] : ['[\n', ...separated(findings, SEPARATOR), '\n]\n']),
  };
}
