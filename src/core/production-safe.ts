// "Make this migration production-safe": the production guide's pattern (best practices 1 and 3)
// for every index operation of a migration at once — concurrently, out of the transaction,
// idempotent, and with timeouts — instead of one quick fix after the other. Unsafe (it takes the
// migration out of its transaction): offered as a code action and by `lint --fix --unsafe-fixes`,
// never by fix-all on save.
//
// It writes what the rules' own fixes write (so the file's style is kept the same way), worked
// out together: a rule that only reports once another fix is in (prefer-robust-stmts once the
// build is concurrent and out of the transaction) is asked about the migration as it will be,
// and one SET / RESET pair covers each run of consecutive operations.
import type { MigrationFile, Operation, SqlSection } from './model/migration';
import type { LintContext } from './lint-context';
import { applyEdits, writableFixes, type Edit, type Fix } from './fixes/fix';
import { canInsertTimeoutsAround, insertTimeoutsAround, type FixTimeouts } from './fixes/operation-edits';
import { lint, lintSource, type MigrationLanguage, type Parsers } from './lint';
import type { SqlParseOptions } from './parsers/sql/parse-sql-migration';
import { isIndexOperation, runsInTransaction, transactionExit, type IndexOperation } from './rules/helpers';
import { timeoutsToSet } from './rules/require-timeouts';
import type { Finding } from './rules/rule';

export const PRODUCTION_SAFE_TITLE = 'Make this migration production-safe';

/** The rules whose findings the rewrite answers: the guide's pattern. */
export const PRODUCTION_SAFE_RULES: ReadonlySet<string> = new Set([
  'ban-concurrent-index-creation-in-transaction',
  'prefer-robust-stmts',
  'require-concurrent-index-creation',
  'require-concurrent-index-deletion',
  'require-concurrent-reindex',
  'require-timeouts',
]);

const CONCURRENCY_RULES = new Set(['require-concurrent-index-creation', 'require-concurrent-index-deletion', 'require-concurrent-reindex']);

export interface ProductionSafeRewrite {
  edits: Edit[];
  /** How many index operations it changes. */
  operations: number;
}

/**
 * The edits that give every reported index operation of `file` the production pattern, or null
 * when there is nothing to do (or nothing this file lets us write: a syntax error, an explicit
 * transaction block, a runner that needs a file of its own). `findings`: lint(file, context),
 * when the caller has them already. Operations the rules do not report (a table created in the
 * same migration, `safety_assured`, a suppression comment, a rule turned off) are left alone.
 */
export function productionSafeRewrite(file: MigrationFile, context: LintContext, findings?: readonly Finding[]): ProductionSafeRewrite | null {
  if (!file.isMigration || file.problems.length > 0) return null;
  const reported = (findings ?? lint(file, context)).filter((f) => PRODUCTION_SAFE_RULES.has(f.ruleId) && f.operation);
  if (reported.length === 0) return null;

  // 1. What the concurrency rules' fixes do, and the migration as it will be once they are in.
  const units: Edit[][] = [];
  const changed = new Set<number>();
  const concurrent = new Set<Operation>();
  const leaving = new Set<Operation>();
  for (const finding of reported) {
    const fix = writableFixes(finding.fixes)[0];
    if (!fix || !(CONCURRENCY_RULES.has(finding.ruleId) || finding.ruleId === 'ban-concurrent-index-creation-in-transaction')) continue;
    const operation = finding.operation!;
    units.push(fix.edits);
    changed.add(operation.range.start);
    if (CONCURRENCY_RULES.has(finding.ruleId)) concurrent.add(operation);
    if (finding.ruleId === 'ban-concurrent-index-creation-in-transaction' || transactionExit(file, operation)?.leaves) leaving.add(operation);
  }
  const future = asItWillRun(file, concurrent, leaving);

  // 2. The guards, asked of the migration as it will run (out of its transaction, concurrent).
  const futureFindings = lint(future, context);
  for (const finding of futureFindings) {
    if (finding.ruleId !== 'prefer-robust-stmts' || !finding.operation) continue;
    const fix = writableFixes(finding.fixes)[0];
    if (!fix) continue;
    units.push(fix.edits);
    changed.add(finding.operation.range.start);
  }

  // 3. Timeouts, one SET / RESET pair for each run of consecutive operations that lack them.
  const needTimeouts = new Set(futureFindings.filter((f) => f.ruleId === 'require-timeouts' && f.operation).map((f) => f.operation!));
  const runs: Array<{ first: IndexOperation; last: IndexOperation; timeouts: FixTimeouts }> = [];
  for (const operation of future.operations) {
    if (!needTimeouts.has(operation) || !isIndexOperation(operation)) continue;
    const timeouts = timeoutsToSet(future, operation, context);
    if (!timeouts) continue;
    const run = runs[runs.length - 1];
    if (run && run.last.range.start === operation.range.start) continue; // one statement, several operations
    if (run && sameTimeouts(run.timeouts, timeouts) && consecutive(future, run.last, operation)) run.last = operation;
    else runs.push({ first: operation, last: operation, timeouts });
  }
  for (const run of runs) {
    if (!canInsertTimeoutsAround(future, run.first, run.last, run.timeouts)) continue;
    const edits = insertTimeoutsAround(future, run.first, run.last, run.timeouts);
    if (!edits) continue;
    units.push(edits);
    for (const operation of future.operations) {
      if (operation.range.start >= run.first.range.start && operation.range.start <= run.last.range.start && needTimeouts.has(operation)) {
        changed.add(operation.range.start);
      }
    }
  }

  const edits = mergeUnits(units);
  if (edits.length === 0) return null;
  return { edits, operations: changed.size };
}

/**
 * `file` as it runs once the concurrency fixes are in: those operations concurrent, and the
 * migration (or the dbmate section) out of its transaction. The same syntax anchors: fixes the
 * rules offer on it are edits of the same text.
 */
function asItWillRun(file: MigrationFile, concurrent: ReadonlySet<Operation>, leaving: ReadonlySet<Operation>): MigrationFile {
  if (concurrent.size === 0 && leaving.size === 0) return file;
  // dbmate leaves one section at a time; the other runners and Rails, the whole file.
  const sections = file.sqlRunner?.name === 'dbmate' ? file.sqlRunner.sections : null;
  const leftSections = new Set<SqlSection>();
  for (const operation of sections ? leaving : []) {
    const section = sectionOf(sections!, operation);
    if (section) leftSections.add(section);
  }
  const operations = file.operations.map((operation): Operation => {
    let next = operation;
    if (concurrent.has(operation) && 'concurrent' in operation) next = { ...next, concurrent: true } as Operation;
    if (sections && leftSections.has(sectionOf(sections, operation)!)) next = { ...next, runsInTransaction: false };
    return next;
  });
  const leavesWhole = leaving.size > 0 && !sections;
  return {
    ...file,
    operations,
    runsInTransaction: leavesWhole ? false : file.runsInTransaction,
    ddlTransactionDisabled: file.dialect === 'rails' && leavesWhole ? true : file.ddlTransactionDisabled,
  };
}

function sectionOf(sections: readonly SqlSection[], operation: Operation): SqlSection | undefined {
  return sections.find((s) => s.range.start <= operation.range.start && operation.range.start < s.range.end);
}

function sameTimeouts(a: FixTimeouts, b: FixTimeouts): boolean {
  return a.statement === b.statement && a.lock === b.lock && a.onlyInProduction === b.onlyInProduction;
}

/**
 * Do two operations follow each other in one method or section, at the same indentation, with
 * nothing but blank lines and comments between them (so one setting can cover both)?
 */
function consecutive(file: MigrationFile, a: Operation, b: Operation): boolean {
  if (a.direction !== b.direction || a.inTransactionBlock !== b.inTransactionBlock) return false;
  if (runsInTransaction(file, a) !== runsInTransaction(file, b)) return false;
  const indent = (operation: Operation) => (operation.syntax && operation.syntax.kind !== 'ormCall' ? operation.syntax.indent : null);
  if (indent(a) === null || indent(a) !== indent(b)) return false;
  const aEnd = a.syntax?.kind === 'sqlStatement' ? a.syntax.statementEnd : a.range.end;
  const between = file.source.slice(aEnd, b.range.start);
  const comment = file.dialect === 'rails' ? /^\s*(#.*)?$/ : /^\s*(--.*)?$/;
  return between.split('\n').every((line) => comment.test(line));
}

/**
 * The units' edits as one list: identical edits once (two findings adding the same
 * `disable_ddl_transaction!`), inserts at one point joined in the units' order (the option, then
 * the guard, then the RESET line after the call), and a unit that clashes otherwise left out.
 */
function mergeUnits(units: readonly Edit[][]): Edit[] {
  const chosen: Edit[] = [];
  const key = (e: Edit) => `${e.start}:${e.end}:${e.text}`;
  const seen = new Set<string>();
  for (const unit of units) {
    const fresh = unit.filter((e) => !seen.has(key(e)));
    const clashes = fresh.some((e) => chosen.some((c) => (e.start < c.end && c.start < e.end) || (e.start === c.start && (e.end !== e.start || c.end !== c.start))));
    if (clashes) continue;
    for (const e of fresh) {
      seen.add(key(e));
      chosen.push(e);
    }
  }
  // Stable by start: inserts at one offset stay in the order they were chosen.
  const ordered = chosen.map((edit, i) => ({ edit, i })).sort((x, y) => x.edit.start - y.edit.start || x.i - y.i);
  const merged: Edit[] = [];
  for (const { edit } of ordered) {
    const previous = merged[merged.length - 1];
    if (previous && previous.start === edit.start && previous.end === previous.start && edit.end === edit.start) previous.text += edit.text;
    else merged.push({ ...edit });
  }
  return merged;
}

/** The rewrite as a fix of the whole migration (unsafe: it takes the migration out of its transaction), for editors' code actions. */
export function productionSafeFix(file: MigrationFile, context: LintContext, findings?: readonly Finding[]): Fix | null {
  const rewrite = productionSafeRewrite(file, context, findings);
  return rewrite ? { title: PRODUCTION_SAFE_TITLE, safety: 'unsafe', edits: rewrite.edits } : null;
}

export interface ProductionSafeTextResult {
  text: string;
  /** How many index operations were changed. */
  operations: number;
}

/**
 * The rewrite applied to a source text (`lint --fix --unsafe-fixes`). Never throws for bad input:
 * a file it cannot rewrite comes back unchanged.
 */
export function productionSafeText(
  path: string,
  source: string,
  language: MigrationLanguage,
  context: LintContext,
  parsers: Parsers,
  sqlOptions?: SqlParseOptions,
): ProductionSafeTextResult {
  const { file, findings } = lintSource(path, source, language, context, parsers, sqlOptions);
  if (!file) return { text: source, operations: 0 };
  const rewrite = productionSafeRewrite(file, context, findings);
  if (!rewrite) return { text: source, operations: 0 };
  return { text: applyEdits(source, rewrite.edits), operations: rewrite.operations };
}
