// Versions and paths of the migration files a split creates: after the original's, never one
// another migration already has (Rails, golang-migrate, Flyway and Prisma all refuse duplicates).
import { PRISMA_MIGRATION_PATH, forwardSlashes } from '../paths';

/**
 * The folder whose entries hold the versions a migration split off `path` must not reuse:
 * Prisma's `migrations/` (each migration is a folder in it), otherwise the file's own folder.
 * Forward slashes, no trailing slash; '' for a bare file name.
 */
export function versionFolderOf(path: string): string {
  const normalized = forwardSlashes(path);
  const folder = normalized.slice(0, Math.max(normalized.lastIndexOf('/'), 0));
  if (PRISMA_MIGRATION_PATH.test(normalized)) return folder.slice(0, Math.max(folder.lastIndexOf('/'), 0));
  return folder;
}

/** A migration version `offset` seconds later (Rails' YYYYMMDDHHMMSS), or plain +offset for other numbering. */
export function nextVersion(version: string, offset: number): string {
  const stamp = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(version);
  if (!stamp) return String(Number(version) + offset).padStart(version.length, '0');
  const [, y, mo, d, h, mi, s] = stamp.map(Number) as number[];
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s! + offset));
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
    `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`
  );
}

/**
 * `count` versions from `candidate(1)`, `candidate(2)`... that no entry of the version folder
 * has, in order. Entries are file or folder names; a version matches whatever its zero padding
 * (golang-migrate reads `13` and `000013` as the same), Flyway's `V`/`U` prefix aside.
 */
export function freeVersions(count: number, candidate: (n: number) => string, folderEntries: readonly string[] | undefined): string[] {
  const taken = new Set<string>();
  for (const entry of folderEntries ?? []) {
    const version = versionOfEntry(entry);
    if (version !== null) taken.add(version);
  }
  const versions: string[] = [];
  for (let n = 1; versions.length < count; n++) {
    const version = candidate(n);
    if (!taken.has(canonical(version))) versions.push(version);
  }
  return versions;
}

/** `20240101000000_x.rb` → 20240101000000; `V3.1__x.sql` → 3.1; `0003-x.sql` → 3; no leading number → null. */
function versionOfEntry(entry: string): string | null {
  const flyway = /^[VU](\d+(?:[._]\d+)*)__/.exec(entry);
  if (flyway) return canonical(flyway[1]!);
  const numbered = /^(\d+)(?=[_\-.]|$)/.exec(entry);
  return numbered ? canonical(numbered[1]!) : null;
}

function canonical(version: string): string {
  return version
    .split(/[._]/)
    .map((part) => part.replace(/^0+(?=\d)/, ''))
    .join('.');
}

/**
 * Where a new file goes relative to the linted file's folder, as path segments ('..' to go up):
 * Prisma's new migration is a sibling folder, not a file next to migration.sql.
 */
export function segmentsFromFolderOf(lintedPath: string, newPath: string): string[] {
  const from = forwardSlashes(lintedPath).split('/').slice(0, -1);
  const to = forwardSlashes(newPath).split('/');
  let common = 0;
  while (common < from.length && common < to.length - 1 && from[common] === to[common]) common++;
  return [...from.slice(common).map(() => '..'), ...to.slice(common)];
}
