import { readdirSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { isMigrationPath, languageOfPath, type MigrationLanguage } from '../../core/lint';
import { errorMessage } from '../config';
import { UsageError } from '../io';

export interface LintTarget {
  /** How the file is shown: relative to the working directory when inside it, else absolute. */
  path: string;
  absolutePath: string;
  language: MigrationLanguage;
  /** Named on the command line: linted whatever it looks like. Found by walking: Ruby files must look like migrations. */
  explicit: boolean;
  /** A regular file: a short read means its end (not so for a pipe such as bash's `<(...)`). */
  regularFile: boolean;
}

export interface CollectedTargets {
  targets: LintTarget[];
  /** Explicit files that are neither Ruby nor SQL: skipped with a note. */
  ignored: string[];
  /** Folders that could not be read while walking: reported, exit code 2. */
  unreadable: Array<{ path: string; reason: string }>;
}

/** Folders never walked into (a dot folder such as .git is skipped too). */
const SKIPPED_FOLDERS = new Set(['node_modules']);
/** Schema dumps, not migrations: walking past them, linted only when named. */
const SKIPPED_FILES = new Set(['structure.sql']);

/**
 * Expands the command line's files and folders into the files to lint, in a stable order
 * (arguments in order, each folder's files sorted). A path that does not exist is a
 * usage error; all of them are named at once.
 */
export function collectTargets(inputs: string[], cwd: string): CollectedTargets {
  const missing: string[] = [];
  const found: CollectedTargets = { targets: [], ignored: [], unreadable: [] };
  const seen = new Set<string>();
  const visitedFolders = new Set<string>();

  /** `shown`: the file's display path when the walk knows it already (see displayPrefix). */
  const add = (absolutePath: string, explicit: boolean, regularFile: boolean, shown?: string): void => {
    if (seen.has(absolutePath)) return;
    const language = languageOfPath(absolutePath);
    if (!language) {
      if (explicit) found.ignored.push(displayPath(absolutePath, cwd));
      return;
    }
    // A project holds many Python and JS files: a walk takes only those in migration folders.
    if (!explicit && !isMigrationPath(absolutePath, language)) return;
    seen.add(absolutePath);
    found.targets.push({ path: shown ?? displayPath(absolutePath, cwd), absolutePath, language, explicit, regularFile });
  };

  /**
   * `real`: the folder's real path, when its parent's is known and it is no symlink (the parent's
   * real path and its name); resolved here otherwise. realpathSync looks at every component of
   * the path: called for each of a Prisma project's 1,700 one-migration folders, it was most of
   * the walk. `shown`, likewise: what displayPath gives the folder's files before their names,
   * when the parent's is relative (the parent's and the folder's name); worked out otherwise.
   */
  const walk = (folder: string, real?: string, shown?: string): void => {
    let entries: Dirent[];
    try {
      real ??= realpathSync(folder);
      if (visitedFolders.has(real)) return; // a symlink loop, or the same folder named twice
      visitedFolders.add(real);
      entries = readdirSync(folder, { withFileTypes: true });
    } catch (error) {
      found.unreadable.push({ path: displayPath(folder, cwd), reason: errorMessage(error) });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // The folder is resolved (normalized) and a name from readdir holds no separator: path.join's
    // normalizing, half of walking a folder of 3,000 files, has nothing to do.
    const prefix = folder.endsWith(sep) ? folder : folder + sep;
    const realPrefix = real.endsWith(sep) ? real : real + sep;
    const shownFolder = shown ?? displayPrefix(folder, prefix, cwd);
    // Below a folder shown relative to the working directory, everything is: the prefix grows by
    // each name. Below one shown absolute, the working directory may be inside (walking `..`).
    const shownBelow = isAbsolute(shownFolder) ? undefined : shownFolder;
    for (const entry of entries) {
      const path = prefix + entry.name;
      let isDirectory = entry.isDirectory();
      let isFile = entry.isFile();
      const link = entry.isSymbolicLink();
      if (link) {
        try {
          const stats = statSync(path);
          isDirectory = stats.isDirectory();
          isFile = stats.isFile();
        } catch {
          continue; // a dangling link
        }
      }
      if (isDirectory) {
        if (entry.name.startsWith('.') || SKIPPED_FOLDERS.has(entry.name)) continue;
        walk(path, link ? undefined : realPrefix + entry.name, shownBelow === undefined ? undefined : shownBelow + entry.name + sep);
      } else if (isFile && !SKIPPED_FILES.has(entry.name)) {
        add(path, false, true, shownFolder + entry.name);
      }
    }
  };

  for (const input of inputs) {
    const absolutePath = resolve(cwd, input);
    let stats: Stats;
    try {
      stats = statSync(absolutePath);
    } catch (error) {
      missing.push(`${input}: ${errorMessage(error)}`);
      continue;
    }
    if (stats.isDirectory()) walk(absolutePath);
    else add(absolutePath, true, stats.isFile());
  }
  if (missing.length > 0) throw new UsageError(missing.map((m) => `Cannot lint ${m}`).join('\n'));
  return found;
}

/**
 * What displayPath gives every file of `folder` (`prefix`: the folder ending in a separator)
 * before the file's name: worked out once per folder, not for each of its 3,000 files.
 */
function displayPrefix(folder: string, prefix: string, cwd: string): string {
  if (relative(cwd, folder) === '') return '';
  const shown = displayPath(folder, cwd);
  return shown === folder ? prefix : shown + sep;
}

/** A path segment that normalizing would change: empty (`//`, a trailing `/`), `.` or `..`. */
const ODD_SEGMENT = /(?:^|\/)\.{0,2}(?:\/|$)/;

/** Relative to the working directory when the file is inside it; absolute otherwise. */
export function displayPath(absolutePath: string, cwd: string): string {
  // Without path.relative's normalizing (it costs more than reading the file) when both are
  // plain POSIX paths, the file below the directory: the rest of the path is the answer.
  if (sep === '/' && absolutePath.startsWith(cwd) && absolutePath.charCodeAt(cwd.length) === 47 /* / */ && cwd.startsWith('/')) {
    const rest = absolutePath.slice(cwd.length + 1);
    if (!ODD_SEGMENT.test(rest) && !ODD_SEGMENT.test(cwd.slice(1))) return rest;
  }
  const rel = relative(cwd, absolutePath);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return absolutePath;
  return sep === '/' ? rel : rel.split(sep).join('/');
}
