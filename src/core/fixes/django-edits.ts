// Edits of Django migrations that go beyond one call: splitting a migration in two, the new one
// depending on this one (Django then runs them in order; a chain, so no second leaf node).
import type { MigrationFile, Operation } from '../model/migration';
import type { Edit, NewFile } from './fix';
import { freeVersions, nextVersion } from './migration-versions';

const DJANGO_FILE_NAME = /^(.*\/)?(\d{4,})_(\w+)\.py$/;

type Groups = Array<{ table: string; operations: Operation[] }>;

/** Every operation moved is a whole item of the `operations` list, and no item holds two groups' operations. */
export function canSplitDjangoMigration(file: MigrationFile, groups: Groups): boolean {
  if (!file.djangoMigration || !DJANGO_FILE_NAME.test(file.path.replace(/\\/g, '/'))) return false;
  const groupOfItem = new Map<number, number>();
  for (let k = 0; k < groups.length; k++) {
    for (const operation of groups[k]!.operations) {
      const item = operation.syntax?.kind === 'ormCall' ? operation.syntax.item : undefined;
      if (!item) {
        if (k > 0) return false;
        continue;
      }
      const other = groupOfItem.get(item.start);
      if (other !== undefined && other !== k) return false;
      groupOfItem.set(item.start, k);
    }
  }
  return true;
}

/**
 * Moves each group after the first into a new migration of its own, numbered after the folder's
 * last one, depending on the one before it (the first on this migration).
 */
export function splitDjangoMigration(file: MigrationFile, groups: Groups, folderEntries?: readonly string[]): { edits: Edit[]; newFiles: NewFile[] } | null {
  const layout = file.djangoMigration;
  if (!layout || !canSplitDjangoMigration(file, groups)) return null;
  const [, directory = '', number] = DJANGO_FILE_NAME.exec(file.path.replace(/\\/g, '/'))!;
  const highest = Math.max(Number(number), ...(folderEntries ?? []).map((e) => Number(/^(\d{4,})_/.exec(e)?.[1] ?? 0)));
  const numbers = freeVersions(groups.length - 1, (n) => nextVersion(String(highest).padStart(number!.length, '0'), n), folderEntries);
  const newline = file.source.includes('\r\n') ? '\r\n' : '\n';
  const indent = layout.bodyIndent;
  const edits: Edit[] = [];
  const newFiles: NewFile[] = [];
  let previous = layout.name;
  for (const [k, group] of groups.slice(1).entries()) {
    const items = new Map<number, { start: number; end: number }>();
    for (const operation of group.operations) {
      const item = operation.syntax?.kind === 'ormCall' ? operation.syntax.item : undefined;
      if (item) items.set(item.start, item);
    }
    const chunks = [...items.values()].sort((a, b) => a.start - b.start);
    for (const chunk of chunks) edits.push({ start: chunk.start, end: chunk.end, text: '' });
    const name = `${numbers[k]}_${snake(group.table)}_indexes`;
    const text =
      `${layout.preamble}${layout.classLine}${newline}` +
      (layout.atomic ? '' : `${indent}atomic = False${newline}${newline}`) +
      `${indent}dependencies = [${newline}${indent}${indent}("${layout.app}", "${previous}"),${newline}${indent}]${newline}${newline}` +
      `${indent}operations = [${newline}` +
      chunks.map((c) => withNewline(file.source.slice(c.start, c.end), newline)).join('') +
      `${indent}]${newline}`;
    newFiles.push({ path: `${directory}${name}.py`, text });
    previous = name;
  }
  return { edits, newFiles };
}

function withNewline(text: string, newline: string): string {
  return text.endsWith('\n') ? text : text + newline;
}

function snake(table: string): string {
  return table.replace(/^.*\./, '').replace(/\W+/g, '_').toLowerCase();
}
