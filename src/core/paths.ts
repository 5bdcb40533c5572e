// Paths as the core reads them: a file's path says which runner reads it and where a split
// puts its new files, on Windows too.

/** The path with forward slashes (a Windows path as the core's patterns read it). */
export function forwardSlashes(path: string): string {
  return path.includes('\\') ? path.replace(/\\/g, '/') : path;
}

/** Prisma's layout, forward slashes: `.../migrations/<version>_<name>/migration.sql`. */
export const PRISMA_MIGRATION_PATH = /(^|\/)migrations\/[^/]+\/migration\.sql$/;
