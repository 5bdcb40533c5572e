// Fix-all (on save in the editor, `pg-index-guard lint --fix`) and the suppression-comment quick fixes.
import type { MigrationFile } from './model/migration';
import type { LintContext } from './lint-context';
import { applyEdits, insertAt, selectFixes, writableFixes, type Edit, type Fix } from './fixes/fix';
import { errorText, lintSource, type MigrationLanguage, type Parsers } from './lint';
import type { SqlParseOptions } from './parsers/sql/parse-sql-migration';
import type { Finding } from './rules/rule';
import { productionSafeText } from './production-safe';
import { indentationAt, lineStartOf, lineStarts, newlineOf, positionAt } from './parsers/source-text';

/** Enough for fixes that enable each other (a fix adding an option another rule then checks). */
export const MAX_FIX_ROUNDS = 5;

export interface FixAllResult {
  text: string;
  /** How many fixes were applied over all rounds. */
  applied: number;
  /** Fixes left out because their edits could not be written (a bug in an edit builder): `rule: title: error`. */
  failed: string[];
}

/**
 * Fix-all never changes how a migration runs, never guesses and never creates files:
 * only safe fixes that are not suggestions and write no new files.
 */
export function isAutomaticFix(fix: Fix): boolean {
  return fix.safety === 'safe' && !fix.suggestion && !fix.createsFiles && !fix.newFiles?.length;
}

/**
 * An unsafe fix `lint --fix --unsafe-fixes` writes: it changes how the migration runs (takes it
 * out of its transaction, adds timeouts), but it is no guess and writes no new files. Tells
 * without building the fix's edits (the lint counts these for every finding).
 */
export function isUnsafeWritableFix(fix: Fix): boolean {
  return fix.safety === 'unsafe' && !fix.suggestion && !fix.createsFiles;
}

export interface FixAllOptions {
  /** Also the unsafe fixes (`--unsafe-fixes`): first "Make this migration production-safe", then the others. */
  unsafe?: boolean;
}

/**
 * Applies every automatic fix that does not clash with another, re-lints and repeats until
 * nothing is left to fix (at most MAX_FIX_ROUNDS rounds). Never throws for bad input.
 * `sqlOptions` as for lintSource. With `options.unsafe`, the unsafe fixes too (never on save:
 * only `lint --fix --unsafe-fixes` asks for them).
 */
export function fixAll(
  path: string,
  source: string,
  language: MigrationLanguage,
  context: LintContext,
  parsers: Parsers,
  sqlOptions?: SqlParseOptions,
  options: FixAllOptions = {},
): FixAllResult {
  let text = source;
  let applied = 0;
  if (options.unsafe) {
    // The guide's pattern in one go (one SET / RESET pair per run of operations) before the
    // per-finding fixes would set timeouts around each operation.
    const rewrite = productionSafeText(path, text, language, context, parsers, sqlOptions);
    text = rewrite.text;
    applied += rewrite.operations;
  }
  const wanted = options.unsafe ? (fix: Fix) => isAutomaticFix(fix) || (isUnsafeWritableFix(fix) && !fix.newFiles?.length) : isAutomaticFix;
  const failed = new Set<string>();
  // A fix the re-parse does not see as done would otherwise flip the text back and forth.
  const seen = new Set([text]);
  for (let round = 0; round < MAX_FIX_ROUNDS; round++) {
    const { findings } = lintSource(path, text, language, context, parsers, sqlOptions);
    const fixes = findings.flatMap((finding) =>
      writableFixes(finding.fixes, (fix, error) => failed.add(`${finding.ruleId}: ${fix.title}: ${errorText(error)}`))
        .filter(wanted)
        .slice(0, 1),
    );
    const chosen = selectFixes(fixes);
    if (chosen.fixes.length === 0) break;
    const next = applyEdits(text, chosen.edits);
    if (seen.has(next)) break;
    seen.add(next);
    text = next;
    applied += chosen.fixes.length;
  }
  return { text, applied, failed: [...failed] };
}

/**
 * Edits that insert a suppression comment for `finding`: `disable-next-line <rule-id>` above its
 * line (with that line's indentation; added to such a comment already there), or `disable
 * <rule-id>` at the top of the file (below Ruby magic comments such as frozen_string_literal).
 */
export function disableEdits(file: MigrationFile, finding: Finding, scope: 'line' | 'file'): Edit[] {
  const source = file.source;
  const newline = newlineOf(source);
  const prefix = file.dialect === 'rails' || file.dialect === 'django' ? '#' : file.dialect === 'js' ? '//' : '--';
  const starts = lineStarts(source);
  const lineText = (line: number) => source.slice(starts[line]!, (starts[line + 1] ?? source.length + 1) - 1).replace(/\r$/, '');

  if (scope === 'line') {
    const line = positionAt(starts, finding.range.start).line;
    const lineStart = lineStartOf(source, finding.range.start);
    const above = line > 0 ? appendToDirective(lineText(line - 1), starts[line - 1]!, 'disable-next-line', finding.ruleId) : null;
    if (above) return [above];
    return [insertAt(lineStart, `${indentationAt(source, lineStart)}${prefix} pg-index-guard:disable-next-line ${finding.ruleId}${newline}`)];
  }

  let line = 0;
  while (line < starts.length - 1 && isFileHeaderLine(lineText(line), file.dialect === 'rails' || file.dialect === 'django')) {
    const existing = appendToDirective(lineText(line), starts[line]!, 'disable', finding.ruleId);
    if (existing) return [existing];
    line++;
  }
  return [insertAt(starts[line]!, `${prefix} pg-index-guard:disable ${finding.ruleId}${newline}`)];
}

/** Lines that must stay first (shebang, Ruby magic comments, a Python coding line) or are our own file directives. `ruby`: Ruby or Python. */
function isFileHeaderLine(text: string, ruby: boolean): boolean {
  if (/^(#|--|\/\/)\s*pg-index-guard:disable\b/.test(text)) return true;
  if (!ruby) return false;
  // Ruby's magic comments, and Python's coding line (PEP 263).
  return /^#!/.test(text) || /^#.*\b(frozen_string_literal|encoding|coding|warn_indent|shareable_constant_value)\s*[:=]/.test(text);
}

/** Adds a rule id to a `pg-index-guard:<directive> a, b` comment line, before any ` -- reason`. */
function appendToDirective(text: string, lineOffset: number, directive: string, ruleId: string): Edit | null {
  const match = new RegExp(`^(\\s*(?:#|--|//)\\s*pg-index-guard:${directive}(?![\\w-]))([ \\t,a-z0-9-]*?)(?=[ \\t]+--[ \\t]|[ \\t]*$)`).exec(text);
  if (!match) return null;
  const ids = match[2]!.split(/[\s,]+/).filter(Boolean);
  // No ids means every rule is already off there.
  if (ids.length === 0 || ids.includes(ruleId)) return null;
  return insertAt(lineOffset + match[0].length, `, ${ruleId}`);
}
