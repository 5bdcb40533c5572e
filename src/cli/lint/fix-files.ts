// `lint --fix`: the fixes fix-all on save applies in the editor (safe, automatic, no new files),
// written to the files before they are linted, so the report shows what is left.
import { chmodSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { fixAll } from '../../core/fix-all';
import { SYNTAX_ERROR, lintSource, type Parsers } from '../../core/lint';
import type { LintContext } from '../../core/lint-context';
import { errorMessage } from '../config';
import type { LintTarget } from './files';
import { readTarget } from './run';

export interface FixedFiles {
  /** Files written, with how many fixes went into each. */
  fixed: Array<{ path: string; fixes: number }>;
  /** Files left as they were although they have findings to fix: `path: reason`. */
  notFixed: string[];
  /** Files that could not be written: `path: reason` (reported like unreadable files). */
  unwritable: string[];
}

/**
 * Applies the automatic fixes to each file. Files the lint would skip (too large, binary, not
 * a migration) are left alone, and so is a file that does not parse: its fixes would be placed
 * from a guessed syntax tree, and unlike in the editor nobody sees the result before it is on disk.
 */
export function fixFiles(targets: readonly LintTarget[], context: LintContext, parsers: Parsers): FixedFiles {
  const outcome: FixedFiles = { fixed: [], notFixed: [], unwritable: [] };
  for (const target of targets) {
    let source: ReturnType<typeof readTarget>;
    try {
      source = readTarget(target, context);
    } catch {
      continue; // the lint reports it
    }
    if (typeof source !== 'string') continue; // skipped (binary, too large) or no migration
    const { file, findings } = lintSource(target.path, source, target.language, context, parsers);
    if (!file || (!target.explicit && !file.isMigration) || findings.length === 0) continue;
    if (findings.some((finding) => finding.ruleId === SYNTAX_ERROR)) {
      if (findings.some((finding) => finding.fixes.length > 0)) outcome.notFixed.push(`${target.path}: it does not parse; fix the syntax error first`);
      continue;
    }
    const result = fixAll(target.path, source, target.language, context, parsers);
    for (const failure of result.failed) outcome.notFixed.push(`${target.path}: a fix could not be written (a bug; please report it): ${failure}`);
    if (result.applied === 0 || result.text === source) continue;
    try {
      writeReplacing(target.absolutePath, result.text);
      outcome.fixed.push({ path: target.path, fixes: result.applied });
    } catch (error) {
      outcome.unwritable.push(`${target.path}: ${errorMessage(error)}`);
    }
  }
  return outcome;
}

/**
 * Writes a temporary file beside the real one (through symlinks) with its mode, then renames it
 * over: an interrupted run leaves the old file or the new one, never half of it.
 */
function writeReplacing(path: string, text: string): void {
  const real = realpathSync(path);
  const temporary = `${real}.pg-index-guard-${process.pid}.tmp`;
  try {
    const mode = statSync(real).mode & 0o7777;
    writeFileSync(temporary, text);
    chmodSync(temporary, mode); // exactly the old mode, whatever the umask
    renameSync(temporary, real);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
