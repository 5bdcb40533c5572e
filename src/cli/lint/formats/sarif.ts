import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FILE_SKIPPED, INTERNAL_ERROR, SYNTAX_ERROR } from '../../../core/lint';
import { RULES } from '../../../core/rules';
import type { Severity } from '../../../core/rules/rule';
import type { LintReport } from '../report';

export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
const SRCROOT = '%SRCROOT%';

type SarifLevel = 'error' | 'warning' | 'note';
const LEVEL: Record<Severity, SarifLevel> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };

/** Findings that are not rules still get a descriptor, so every result's ruleId resolves. */
const PSEUDO_RULES: Record<string, string> = {
  [FILE_SKIPPED]: 'The file was not linted (binary, or larger than the maxFileSize setting).',
  [SYNTAX_ERROR]: 'The migration does not parse; findings after the error may be missing.',
  [INTERNAL_ERROR]: 'PG Index Guard failed on this file (a bug); the other rules still ran.',
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

/** SARIF 2.1.0, one run: for GitHub code scanning and other SARIF viewers. */
export function formatSarif(report: LintReport, tool: SarifTool, cwd: string): string {
  const rules: SarifRule[] = [...RULES.values()].map((rule) => ({
    id: rule.meta.id,
    shortDescription: { text: rule.meta.summary },
    fullDescription: { text: rule.meta.docs.why },
    helpUri: `docs/rules/${rule.meta.id}.md`,
    help: { text: `${rule.meta.summary}\n\nFix: ${rule.meta.docs.fix}` },
    defaultConfiguration: { level: LEVEL[rule.meta.defaultSeverity] },
  }));
  // Pseudo-rules (syntax errors, skipped files, ...) only when they occur, in order of appearance.
  const described = new Set(rules.map((r) => r.id));
  for (const f of report.findings) {
    if (described.has(f.rule)) continue;
    described.add(f.rule);
    rules.push({ id: f.rule, shortDescription: { text: PSEUDO_RULES[f.rule] ?? f.rule } });
  }
  const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));

  const results = report.findings.map((f) => {
    const index = ruleIndex.get(f.rule)!;
    return {
      ruleId: f.rule,
      ruleIndex: index,
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
  });

  const sarif = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: tool.name, version: tool.version, semanticVersion: tool.version, rules } },
        originalUriBaseIds: { [SRCROOT]: { uri: pathToFileURL(cwd.endsWith('/') ? cwd : `${cwd}/`).href } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

function artifactLocation(file: string): { uri: string; uriBaseId?: string } {
  if (isAbsolute(file)) return { uri: pathToFileURL(file).href };
  return { uri: file.split('/').map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
}
