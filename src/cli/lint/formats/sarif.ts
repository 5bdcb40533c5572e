import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FILE_SKIPPED, INTERNAL_ERROR, SYNTAX_ERROR } from '../../../core/lint';
import { RULES } from '../../../core/rules';
import type { Severity } from '../../../core/rules/rule';
import { separated, type OutputFormat } from './format';

export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
const SRCROOT = '%SRCROOT%';

type SarifLevel = 'error' | 'warning' | 'note';
const LEVEL: Record<Severity, SarifLevel> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };

/** Findings that are not rules still get a descriptor, so every result's ruleId resolves. */
const PSEUDO_RULES: Record<string, string> = {
  [FILE_SKIPPED]: 'The file was not linted (binary, or larger than the maxFileSize setting).',
  [SYNTAX_ERROR]: 'The migration does not parse; findings after the error may be missing.',
  [INTERNAL_ERROR]: 'PG Index Guard failed on this file (a parser or rule failure, or nesting too deep to parse): what it could not read went unlinted.',
};

interface SarifRule {
  id: string;
  shortDescription: { text: string };
  fullDescription?: { text: string };
  helpUri?: string;
  help?: { text: string };
  defaultConfiguration?: { level: SarifLevel };
}

export interface SarifTool {
  name: string;
  version: string;
}

/**
 * Rule descriptors: every rule, then the findings that are not rules (syntax errors, skipped
 * files...), always all of them, so that a result's ruleIndex is known without the other results.
 */
function ruleDescriptors(): SarifRule[] {
  const rules: SarifRule[] = [...RULES.values()].map((rule) => ({
    id: rule.meta.id,
    shortDescription: { text: rule.meta.summary },
    fullDescription: { text: rule.meta.docs.why },
    helpUri: `docs/rules/${rule.meta.id}.md`,
    help: { text: `${rule.meta.summary}\n\nFix: ${rule.meta.docs.fix}` },
    defaultConfiguration: { level: LEVEL[rule.meta.defaultSeverity] },
  }));
  for (const [id, text] of Object.entries(PSEUDO_RULES)) rules.push({ id, shortDescription: { text } });
  return rules;
}

/** Where a result stands in the log (runs[0].results[i]), which JSON.stringify(log, null, 2) indents by 8 spaces. */
const RESULT_INDENT = ' '.repeat(8);
const EMPTY_RESULTS = '"results": []';
const SEPARATOR = ',\n';

/** SARIF 2.1.0, one run: for GitHub code scanning and other SARIF viewers. */
export function sarifFormat(tool: SarifTool, cwd: string): OutputFormat {
  const rules = ruleDescriptors();
  const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));
  return {
    finding(f) {
      const result = {
        ruleId: f.rule,
        ruleIndex: ruleIndex.get(f.rule),
        level: LEVEL[f.severity],
        message: { text: f.message },
        locations: [
          {
            physicalLocation: {
              artifactLocation: artifactLocation(f.file),
              region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn },
            },
          },
        ],
        properties: { severity: f.severity, fixable: f.fixable },
      };
      return RESULT_INDENT + JSON.stringify(result, null, 2).replace(/\n/g, `\n${RESULT_INDENT}`);
    },
    separator: SEPARATOR,
    document(findings) {
      const log = {
        $schema: SARIF_SCHEMA,
        version: '2.1.0',
        runs: [
          {
            tool: { driver: { name: tool.name, version: tool.version, semanticVersion: tool.version, rules } },
            originalUriBaseIds: { [SRCROOT]: { uri: pathToFileURL(cwd.endsWith('/') ? cwd : `${cwd}/`).href } },
            columnKind: 'utf16CodeUnits',
            results: [],
          },
        ],
      };
      const text = JSON.stringify(log, null, 2);
      if (findings.length === 0) return [`${text}\n`];
      // The results' texts go where the empty array is: "results" is a key once in the log (a
      // quote inside a string value is escaped, so the key's text cannot occur there).
      const at = text.indexOf(EMPTY_RESULTS);
      return [
        `${text.slice(0, at)}"results": [\n`,
        ...separated(findings, SEPARATOR),
        `\n${RESULT_INDENT.slice(2)}]${text.slice(at + EMPTY_RESULTS.length)}\n`,
      ];
    },
  };
}

function artifactLocation(file: string): { uri: string; uriBaseId?: string } {
  if (isAbsolute(file)) return { uri: pathToFileURL(file).href };
  return { uri: file.split('/').map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
}
