import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { FILE_SKIPPED, SYNTAX_ERROR, lintSource, type Parsers } from '../../core/lint';
import type { LintContext } from '../../core/lint-context';
import type { Finding } from '../../core/rules/rule';
import { lineStarts, positionAt } from '../../core/parsers/source-text';
import { errorMessage } from '../config';
import type { LintTarget } from './files';
import type { LintReport, ReportedFinding } from './report';

/** Where a NUL byte is looked for to call a file binary (what git does, give or take). */
const BINARY_SNIFF_BYTES = 8000;
/**
 * Above this many bytes per allowed character the file is skipped without reading it:
 * UTF-8 never needs more than 3 bytes per UTF-16 code unit, so it is surely too long.
 */
const BYTES_PER_CHARACTER = 3;

export interface LintRun {
  report: LintReport;
  /** Files that could not be read: `path: reason`. */
  unreadable: string[];
}

/** Lints the files one after the other. Never throws for a bad file: it is reported instead. */
export function lintTargets(targets: readonly LintTarget[], context: LintContext, parsers: Parsers): LintRun {
  const report: LintReport = { findings: [], files: 0, parseErrors: 0 };
  const unreadable: string[] = [];
  for (const target of targets) {
    let findings: Finding[];
    let source = '';
    try {
      const read = readTarget(target, context);
      if (read === null) continue; // walked past: not a migration
      if (typeof read === 'string') {
        source = read;
        findings = lintSource(target.path, source, target.language, context, parsers).findings;
      } else {
        findings = [read];
      }
    } catch (error) {
      unreadable.push(`${target.path}: ${errorMessage(error)}`);
      continue;
    }
    report.files++;
    if (findings.length === 0) continue;
    const starts = lineStarts(source);
    for (const finding of findings) {
      if (finding.ruleId === SYNTAX_ERROR) report.parseErrors++;
      report.findings.push(position(target.path, finding, starts));
    }
  }
  return { report, unreadable };
}

/**
 * The file's text; a file-skipped finding for a binary or far too large file; null for a
 * walked Ruby file that does not mention a migration (the parser decides for the rest).
 */
function readTarget(target: LintTarget, context: LintContext): string | Finding | null {
  const fd = openSync(target.absolutePath, 'r');
  let buffer: Buffer;
  try {
    const size = fstatSync(fd).size;
    const maxCharacters = context.settings.maxFileBytes;
    if (size > maxCharacters * BYTES_PER_CHARACTER) {
      return skipped(`it is larger than ${maxCharacters} characters (setting maxFileSize)`);
    }
    buffer = readFileSync(fd);
  } finally {
    closeSync(fd);
  }
  if (!target.explicit && target.language === 'ruby' && !buffer.includes('Migration')) return null;
  if (buffer.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return skipped('it looks like a binary file');
  return buffer.toString('utf8');
}

function skipped(reason: string): Finding {
  return {
    ruleId: FILE_SKIPPED,
    severity: 'info',
    message: `PG Index Guard skipped this file: ${reason}.`,
    range: { start: 0, end: 0 },
    fixes: [],
  };
}

function position(file: string, finding: Finding, starts: number[]): ReportedFinding {
  const start = positionAt(starts, finding.range.start);
  const end = positionAt(starts, Math.max(finding.range.end, finding.range.start));
  return {
    file,
    rule: finding.ruleId,
    severity: finding.severity,
    message: finding.message,
    line: start.line + 1,
    column: start.column + 1,
    endLine: end.line + 1,
    endColumn: end.column + 1,
    fixable: finding.fixes.length > 0,
    finding,
  };
}
