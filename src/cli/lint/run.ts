import { closeSync, openSync, readSync } from 'node:fs';
import { FILE_SKIPPED, INTERNAL_ERROR, SYNTAX_ERROR, SqlParserPending, lintSource, type DeferredSqlParser, type Parsers } from '../../core/lint';
import type { LintContext } from '../../core/lint-context';
import { SEVERITIES, type Finding } from '../../core/rules/rule';
import { lineStarts, positionAt } from '../../core/parsers/source-text';
import { errorMessage } from '../config';
import { isUnsafeWritableFix } from '../../core/fix-all';
import type { LintTarget } from './files';
import type { OutputFormat, ReportSummary } from './formats/format';
import type { LintReport, ReportedFinding } from './report';

/** Where a NUL byte is looked for to call a file binary (what git does, give or take). */
const BINARY_SNIFF_BYTES = 8000;
/**
 * Above this many bytes per allowed character the file is skipped without reading the rest:
 * UTF-8 never needs more than 3 bytes per UTF-16 code unit, so it is surely too long.
 * Below, the core decides on the decoded length.
 */
const BYTES_PER_CHARACTER = 3;

/**
 * The outcome of consecutive files (a batch, or all of a run's), in their order. Plain data: it
 * crosses worker threads, where every object costs: a few arrays of strings, not an object a file.
 */
export interface FilesResult {
  /**
   * The files' findings as the output format renders them, joined by its separator: one string a
   * file ('' for none) while some are pending, then one for all (the main thread joins a few
   * long strings at the end, not thousands).
   */
  findings: Array<string | string[]>;
  summary: ReportSummary;
  /** `path: reason` for each file that could not be read. */
  unreadable: string[];
  /**
   * Files that need libpg-query, not loaded yet when they were read: [index among these files,
   * text]. Linted again from the text once it is (lintPendingFiles), never read twice (a pipe
   * reads once); until then their findings are ''.
   */
  pending: Array<[number, string]>;
}

export interface LintRun {
  report: LintReport;
  /** Files that could not be read: `path: reason`. */
  unreadable: string[];
}

/**
 * Files are read this many at a time before they are linted: reading in a tight loop costs half
 * as much per file as reading each one between lints (the system calls stay warm).
 */
const READ_BATCH = 32;

class ReadFailure {
  constructor(readonly error: unknown) {}
}

/** What reading a file gave: its text, a file-skipped finding, null (not a migration), or why it failed. */
type ReadOutcome = string | Finding | null | ReadFailure;

function readOutcome(target: LintTarget, context: LintContext): ReadOutcome {
  try {
    return readTarget(target, context);
  } catch (error) {
    return new ReadFailure(error);
  }
}

function emptySummary(): ReportSummary {
  return { files: 0, parseErrors: 0, unlinted: 0, bySeverity: { error: 0, warning: 0, info: 0, hint: 0 }, unsafeFixes: 0 };
}

function emptyResult(): FilesResult {
  return { findings: [], summary: emptySummary(), unreadable: [], pending: [] };
}

/**
 * Lints one file once read, into `into.findings[index]` and the rest of `into`. Never throws
 * for a bad file: an unreadable one is reported there.
 */
function lintRead(
  target: LintTarget,
  outcome: ReadOutcome,
  context: LintContext,
  parsers: Parsers,
  format: OutputFormat,
  into: FilesResult,
  index: number,
): void {
  into.findings[index] = '';
  let findings: Finding[];
  let source = '';
  try {
    if (outcome instanceof ReadFailure) throw outcome.error;
    const read = outcome;
    if (read === null) return;
    if (typeof read === 'string') {
      source = read;
      const result = lintSource(target.path, source, target.language, context, parsers);
      findings = result.findings;
      // Walking, the parser decides what is a migration; a broken file that mentions one is still reported.
      const notAMigration = result.file !== null && !result.file.isMigration;
      if (!target.explicit && notAMigration && !findings.some((f) => f.ruleId === SYNTAX_ERROR)) return;
    } else {
      findings = [read];
    }
  } catch (error) {
    if (error instanceof SqlParserPending) into.pending.push([index, source]);
    else into.unreadable.push(`${target.path}: ${errorMessage(error)}`);
    return;
  }
  const summary = into.summary;
  summary.files++;
  if (findings.length === 0) return;
  const starts = lineStarts(source);
  // `--fix` leaves a file that does not parse alone: its fixes are not on offer.
  const fixable = !findings.some((f) => f.ruleId === SYNTAX_ERROR);
  // A file with a million findings would pass V8's longest string (some 512 M characters):
  // its text is cut into runs of at most RUN_CHARACTERS, each joined by the separator.
  let runs: string[] | null = null;
  // Editors hide a byte order mark: columns on the first line are counted without it.
  const firstColumn = source.charCodeAt(0) === 0xfeff ? 1 : 0;
  let text = '';
  for (let i = 0; i < findings.length; i++) {
    const finding = findings[i]!;
    const reported = position(target.path, finding, starts, firstColumn);
    if (text.length > RUN_CHARACTERS) {
      (runs ??= []).push(text);
      text = format.finding(reported);
    } else {
      text += i === 0 ? format.finding(reported) : format.separator + format.finding(reported);
    }
    summary.bySeverity[reported.severity]++;
    if (fixable && onlyUnsafeFixes(finding)) summary.unsafeFixes++;
    if (finding.ruleId === SYNTAX_ERROR) summary.parseErrors++;
    else if (finding.ruleId === INTERNAL_ERROR) summary.unlinted++;
  }
  into.findings[index] = runs ? [...runs, text] : text;
}

/** A finding `--fix` leaves and `--fix --unsafe-fixes` fixes (read without building any fix's edits). */
function onlyUnsafeFixes(finding: Finding): boolean {
  const fixes = finding.fixes;
  if (fixes.length === 0) return false;
  let unsafe = false;
  for (let i = 0; i < fixes.length; i++) {
    const fix = fixes[i]!;
    if (fix.safety === 'safe' && !fix.suggestion && !fix.createsFiles) return false;
    if (isUnsafeWritableFix(fix)) unsafe = true;
  }
  return unsafe;
}

/** The longest run of findings' texts kept in one string (V8's limit is some 512 M characters). */
const RUN_CHARACTERS = 16 * 1024 * 1024;

/** Lints the files one after the other, in this thread (loading libpg-query if a file needs it). */
export async function lintTargets(
  targets: readonly LintTarget[],
  context: LintContext,
  parsers: Parsers & { sql: DeferredSqlParser },
  format: OutputFormat,
): Promise<LintRun> {
  const sql = new SqlParserOnDemand(context, parsers, format);
  const results: FilesResult[] = [];
  for (let first = 0; first < targets.length; first += READ_BATCH) {
    const batchTargets = targets.slice(first, first + READ_BATCH);
    const result = lintBatch(batchTargets, context, parsers, format);
    results.push(result);
    await sql.afterBatch(result, batchTargets);
  }
  await sql.finish();
  return mergeResults(results);
}

/**
 * libpg-query for the files that need it, loaded as soon as the first one is met and those files
 * linted again as soon as it is in, between batches, while the run goes on. Linting them at the
 * end instead left V8 compiling the parser's hot WASM functions (on another core) when the run
 * was over, and the process waited for it before it could exit: some 100 ms of a run over the
 * real-world SQL corpus (npm run bench -- sql).
 */
export class SqlParserOnDemand {
  private loading: Promise<void> | null = null;
  private loaded = false;
  /** Batches with files to lint again once libpg-query is in. */
  private readonly waiting: Array<{ result: FilesResult; targets: readonly LintTarget[] }> = [];

  constructor(
    private readonly context: LintContext,
    private readonly parsers: Parsers & { sql: DeferredSqlParser },
    private readonly format: OutputFormat,
  ) {}

  /** After each batch (`targets`: its files): starts the load, or lints the waiting files once it is done. */
  async afterBatch(result: FilesResult, targets: readonly LintTarget[]): Promise<void> {
    if (result.pending.length > 0) {
      this.waiting.push({ result, targets });
      // A failed load is reported by finish(), which loads again.
      this.loading ??= this.parsers.sql.load().then(
        () => void (this.loaded = true),
        () => undefined,
      );
    }
    if (this.loading === null) return;
    // The load ends in a callback: the event loop must turn for it, between two batches.
    if (!this.loaded) await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.loaded) await this.lintWaiting();
  }

  /** Lints what still waits, loading libpg-query if it is not in (a failure to load throws here). */
  async finish(): Promise<void> {
    await this.lintWaiting();
  }

  private async lintWaiting(): Promise<void> {
    for (const { result, targets } of this.waiting.splice(0)) await lintPendingFiles(result, targets, this.context, this.parsers, this.format);
  }
}

/**
 * Lints again, with libpg-query loaded, the files of `result` (those of `targets`) that needed
 * it before it was. Most runs have none and never load it.
 */
export async function lintPendingFiles(
  result: FilesResult,
  targets: readonly LintTarget[],
  context: LintContext,
  parsers: Parsers & { sql: DeferredSqlParser },
  format: OutputFormat,
): Promise<void> {
  if (result.pending.length === 0) return;
  await parsers.sql.load();
  const pending = result.pending;
  result.pending = [];
  for (const [index, text] of pending) lintRead(targets[index]!, text, context, parsers, format, result, index);
  joinFindings(result, format);
}

/** The files' findings as few strings as will do (one, unless they are huge), once none is pending. */
function joinFindings(result: FilesResult, format: OutputFormat): void {
  if (result.pending.length > 0) return;
  const joined: string[] = [];
  let run: string[] = [];
  let length = 0;
  const flush = () => {
    if (run.length > 0) joined.push(run.join(format.separator));
    run = [];
    length = 0;
  };
  for (const entry of result.findings) {
    for (const text of typeof entry === 'string' ? [entry] : entry) {
      if (text === '') continue;
      if (length + text.length > RUN_CHARACTERS) flush();
      run.push(text);
      length += text.length + format.separator.length;
    }
  }
  flush();
  result.findings = joined;
}

/** The files' outcome in order, read a batch at a time. */
export function lintBatch(targets: readonly LintTarget[], context: LintContext, parsers: Parsers, format: OutputFormat): FilesResult {
  const result = emptyResult();
  const reads: ReadOutcome[] = [];
  for (let first = 0; first < targets.length; first += READ_BATCH) {
    const end = Math.min(first + READ_BATCH, targets.length);
    for (let i = first; i < end; i++) reads[i - first] = readOutcome(targets[i]!, context);
    for (let i = first; i < end; i++) lintRead(targets[i]!, reads[i - first]!, context, parsers, format, result, i);
  }
  joinFindings(result, format);
  return result;
}

/** Consecutive files' outcomes, in order and none pending (their findings joined) -> one report. */
export function mergeResults(results: Iterable<FilesResult>): LintRun {
  const summary = emptySummary();
  const report: LintReport = { findings: [], summary };
  const unreadable: string[] = [];
  for (const result of results) {
    for (const problem of result.unreadable) unreadable.push(problem);
    summary.files += result.summary.files;
    summary.parseErrors += result.summary.parseErrors;
    summary.unlinted += result.summary.unlinted;
    summary.unsafeFixes += result.summary.unsafeFixes;
    for (const severity of SEVERITIES) summary.bySeverity[severity] += result.summary.bySeverity[severity];
    for (const entry of result.findings) {
      if (typeof entry === 'string') report.findings.push(entry);
      else for (const text of entry) report.findings.push(text);
    }
  }
  return { report, unreadable };
}

/**
 * The file's text; a file-skipped finding for a binary or far too large file; null for a
 * walked Ruby file that does not mention a migration (the parser decides for the rest).
 * Throws when the file cannot be read. `read`, when given, receives the bytes of a file read as text.
 */
export function readTarget(target: LintTarget, context: LintContext, read?: { bytes?: Buffer }): string | Finding | null {
  const maxCharacters = context.settings.maxFileBytes;
  const length = readFileInto(target.absolutePath, maxCharacters * BYTES_PER_CHARACTER, target.regularFile);
  if (length === null) return skipped(`it is larger than ${maxCharacters} characters (setting maxFileSize)`);
  const bytes = readBuffer.subarray(0, length);
  if (!target.explicit && target.language === 'ruby' && !bytes.includes('Migration')) return null;
  if (bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return skipped('it looks like a binary file');
  // --fix: a copy of the bytes read, to write nothing but the fixes (readBuffer is reused).
  if (read) read.bytes = Buffer.from(bytes);
  return bytes.toString('utf8');
}

/** Reused across files: most migrations fit in the first 64 KiB, and nothing is allocated per file. */
let readBuffer = Buffer.allocUnsafe(64 * 1024);

/**
 * Reads a whole file into `readBuffer`; null when it holds more than `maxBytes` (read no further).
 * A regular file has ended when a read gives less than asked: no further read to see 0 bytes
 * (a system call per file, some 5 % of reading).
 */
function readFileInto(path: string, maxBytes: number, regularFile: boolean): number | null {
  const fd = openSync(path, 'r');
  try {
    let length = 0;
    for (;;) {
      if (length === readBuffer.length) {
        if (length > maxBytes) return null;
        const bigger = Buffer.allocUnsafe(readBuffer.length * 2);
        readBuffer.copy(bigger, 0, 0, length);
        readBuffer = bigger;
      }
      const asked = readBuffer.length - length;
      const read = readSync(fd, readBuffer, length, asked, null);
      length += read;
      if (read === 0 || (regularFile && read < asked)) return length > maxBytes ? null : length;
    }
  } finally {
    closeSync(fd);
  }
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

/** `firstColumn`: the offset of column 1 on the first line (1 after a byte order mark). */
function position(file: string, finding: Finding, starts: number[], firstColumn: number): ReportedFinding {
  const start = positionAt(starts, finding.range.start);
  const end = positionAt(starts, Math.max(finding.range.end, finding.range.start));
  if (start.line === 0) start.column = Math.max(0, start.column - firstColumn);
  if (end.line === 0) end.column = Math.max(0, end.column - firstColumn);
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
  };
}
