// `lint --fix`: the fixes fix-all on save applies in the editor (safe, automatic, no new files),
// written to the files before they are linted, so the report shows what is left.
// `--unsafe-fixes` adds the unsafe ones ("Make this migration production-safe" first).
import { isUtf8 } from 'node:buffer';
import {
  chmodSync,
  chownSync,
  closeSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fixAll, type FixAllOptions } from '../../core/fix-all';
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

/** A seam for tests: called with the file's real path once its new text is ready, just before it is checked and replaced. */
export interface FixHooks {
  beforeReplace?: (path: string) => void;
}

/** Said when the file changed on disk between the read and the write: the other edit wins. */
class ChangedMeanwhile extends Error {}

/**
 * Applies the automatic fixes to each file. Files the lint would skip (too large, binary, not
 * a migration) are left alone, and so is a file that does not parse: its fixes would be placed
 * from a guessed syntax tree, and unlike in the editor nobody sees the result before it is on disk.
 */
export function fixFiles(
  targets: readonly LintTarget[],
  context: LintContext,
  parsers: Parsers,
  hooks: FixHooks = {},
  options: FixAllOptions = {},
): FixedFiles {
  const outcome: FixedFiles = { fixed: [], notFixed: [], unwritable: [] };
  const swept = new Set<string>();
  const sweep = (folder: string) => {
    if (swept.has(folder)) return;
    swept.add(folder);
    removeLeftovers(folder);
  };
  for (const target of targets) {
    sweep(dirname(target.absolutePath));
    let source: ReturnType<typeof readTarget>;
    const read: { bytes?: Buffer } = {};
    let before: Stats;
    try {
      before = statSync(target.absolutePath);
      source = readTarget(target, context, read);
    } catch {
      continue; // the lint reports it
    }
    if (typeof source !== 'string' || !read.bytes) continue; // skipped (binary, too large) or no migration
    const { file, findings } = lintSource(target.path, source, target.language, context, parsers);
    if (!file || (!target.explicit && !file.isMigration) || findings.length === 0) continue;
    if (findings.some((finding) => finding.ruleId === SYNTAX_ERROR)) {
      if (findings.some((finding) => finding.fixes.length > 0)) outcome.notFixed.push(`${target.path}: it does not parse; fix the syntax error first`);
      continue;
    }
    const result = fixAll(target.path, source, target.language, context, parsers, undefined, options);
    for (const failure of result.failed) outcome.notFixed.push(`${target.path}: a fix could not be written (a bug; please report it): ${failure}`);
    if (result.applied === 0 || result.text === source) continue;
    // Decoding replaced invalid bytes by U+FFFD: writing the text back would change more than the fixes.
    if (!isUtf8(read.bytes)) {
      outcome.notFixed.push(`${target.path}: it is not valid UTF-8, and writing the fixes would replace its invalid bytes; convert it to UTF-8 first`);
      continue;
    }
    try {
      const real = realpathSync(target.absolutePath);
      sweep(dirname(real));
      writeFixed(real, result.text, { stats: before, bytes: read.bytes }, hooks);
      outcome.fixed.push({ path: target.path, fixes: result.applied });
    } catch (error) {
      if (error instanceof ChangedMeanwhile) outcome.notFixed.push(`${target.path}: it changed while it was being fixed; run again to fix the new text`);
      else outcome.unwritable.push(`${target.path}: ${errorMessage(error)}`);
    }
  }
  return outcome;
}

/** What the file was when it was read: it is written only if it still is. */
interface ReadState {
  stats: Stats;
  bytes: Buffer;
}

function unchanged(now: Stats, content: Buffer, read: ReadState): boolean {
  const then = read.stats;
  return now.ino === then.ino && now.dev === then.dev && now.size === then.size && now.mtimeMs === then.mtimeMs && content.equals(read.bytes);
}

/**
 * Replaces the file's text. Through a temporary file renamed over it (an interrupted run leaves
 * the old file or the new one, never half of it) with the old mode, owner and group; in place
 * when a rename would cut it off its other names (hard links) or its owner (another user's file,
 * or an owner or group this process cannot give). Either way only if the file is still what was
 * read: an edit made meanwhile is kept and this one dropped (ChangedMeanwhile).
 */
function writeFixed(real: string, text: string, read: ReadState, hooks: FixHooks): void {
  const { stats } = read;
  if (stats.nlink > 1 || (process.geteuid !== undefined && stats.uid !== process.geteuid())) {
    writeInPlace(real, text, read, hooks);
    return;
  }
  const temporary = `${real}${TEMPORARY_SUFFIX}${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text, { flag: 'wx' });
    chmodSync(temporary, stats.mode & 0o7777); // exactly the old mode, whatever the umask
    try {
      chownSync(temporary, stats.uid, stats.gid);
    } catch {
      // A group this process is not in: keep the group by writing in place.
      rmSync(temporary, { force: true });
      writeInPlace(real, text, read, hooks);
      return;
    }
    hooks.beforeReplace?.(real);
    if (!unchanged(statSync(real), readFileSync(real), read)) throw new ChangedMeanwhile();
    renameSync(temporary, real);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** Rewrites the file through its own descriptor, after checking, on that descriptor, that it is as read. */
function writeInPlace(real: string, text: string, read: ReadState, hooks: FixHooks): void {
  hooks.beforeReplace?.(real);
  const fd = openSync(real, 'r+');
  try {
    if (!unchanged(fstatSync(fd), readFileSync(fd), read)) throw new ChangedMeanwhile();
    const bytes = Buffer.from(text);
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written, written);
    ftruncateSync(fd, bytes.length);
  } finally {
    closeSync(fd);
  }
}

/** `<file>.pg-index-guard-<pid>.tmp`: a fix being written by the process `pid`. */
const TEMPORARY_SUFFIX = '.pg-index-guard-';
const TEMPORARY_FILE = /^(.+)\.pg-index-guard-(\d+)\.tmp$/;

/** Removes the temporary files a killed run left in `folder` (those of live processes are theirs). */
function removeLeftovers(folder: string): void {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) {
    const match = TEMPORARY_FILE.exec(name);
    if (!match || !names.includes(match[1]!) || isRunning(Number(match[2]))) continue;
    rmSync(join(folder, name), { force: true });
  }
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}
