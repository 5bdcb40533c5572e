// The JSON format's findings are what JSON.stringify writes of them, on names and messages that need escaping.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReportedFinding } from '../report';
import { jsonFormat } from './json';

const FILES = ['db/migrate/20240101000000_add_index.rb', 'sql/a "quoted" \\\\ back\\slash.sql', 'naïve/日本/😀.sql', 'tab\there\nnew line.sql', '\u0000\u001f\u2028.sql'];
const MESSAGES = ['Plain.', 'Index on "messages" holds a SHARE lock', 'A \\ backslash, a\nnewline, a \t tab', 'Unicode: é 😀 \ud800 lone surrogate', ''];

test('a finding is written as JSON.stringify writes the object', () => {
  for (const file of FILES) {
    for (const message of MESSAGES) {
      for (const severity of ['error', 'warning', 'info', 'hint'] as const) {
        const finding: ReportedFinding = { file, rule: 'require-concurrent-index-creation', severity, message, line: 12, column: 3, endLine: 14, endColumn: 1, fixable: severity === 'error' };
        const expected = JSON.stringify({
          file: finding.file,
          rule: finding.rule,
          severity: finding.severity,
          message: finding.message,
          line: finding.line,
          column: finding.column,
          endLine: finding.endLine,
          endColumn: finding.endColumn,
          fixable: finding.fixable,
        });
        assert.equal(jsonFormat.finding(finding), expected);
        assert.deepEqual(JSON.parse(jsonFormat.finding(finding)), JSON.parse(expected));
      }
    }
  }
});
