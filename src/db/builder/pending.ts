// Which indexes to build: those of pending migrations (each file parsed again by the core so
// that the full operation is known: where, using, order, opclass, include), those declared in
// db/schema.rb or db/structure.sql but missing from the database, or only the ones named.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as P from '@ruby/prism/src/nodes.js';
import { languageOfPath, parseMigration, type Parsers } from '../../core/lint';
import type { CreateIndexOperation, MigrationFile, RubyValue } from '../../core/model/migration';
import { literalName, rubyValue } from '../../core/parsers/rails/parse-rails-migration';
import { byteToUtf16Mapper, lineStarts, positionAt } from '../../core/parsers/source-text';
import type { DatabaseStatus, MissingIndex, PendingMigration } from '../status';
import {
  IndexDefinitionError,
  indexDefinitionFromDeclared,
  indexDefinitionFromOperation,
  indexDefinitionsFromSql,
  type IndexDefinition,
  type IndexOrigin,
} from './index-definition';

export type IndexSource = 'pending' | 'missing';

export interface GatherOptions {
  status: Pick<DatabaseStatus, 'pendingMigrations' | 'missingIndexes'>;
  /** The app's root (db/schema.rb, db/structure.sql are read from here). */
  workspaceRoot: string;
  parsers: Parsers;
  /** Default both: pending migrations first, then missing declared indexes. */
  sources?: readonly IndexSource[];
  /** Only these index names (`--only`). */
  only?: readonly string[];
}

export interface GatherSkip {
  index: string | null;
  table: string | null;
  origin: IndexOrigin;
  reason: string;
  /**
   * True when the index is wanted but cannot be built as written (an IndexDefinitionError: an
   * unparsable column list, an `order:` it cannot express...): a failure the operator must see.
   * False for indexes with nothing to build (a table the migration creates, an equivalent index).
   */
  refused: boolean;
}

export interface GatheredIndexes {
  definitions: IndexDefinition[];
  /** Index operations that will not be built, and why. */
  skipped: GatherSkip[];
  /** Things to tell the user (a migration that will fail when it runs after the build, ...). */
  warnings: string[];
  /**
   * What could not be read (a migration file, the schema, a status section): the indexes in it
   * are not known, let alone built. Callers fail loudly on any, never report "nothing to build".
   */
  unreadable: string[];
  /** Names given in `only` that match nothing. */
  unknownNames: string[];
  /** Pending migrations without if_not_exists: once their indexes are built, they fail when they run (also in `warnings`). */
  failWhenRun: Array<{ relativePath: string; version: string }>;
}

export function gatherIndexDefinitions(options: GatherOptions): GatheredIndexes {
  const sources = new Set(options.sources ?? ['pending', 'missing']);
  const out: GatheredIndexes = { definitions: [], skipped: [], warnings: [], unreadable: [], unknownNames: [], failWhenRun: [] };
  const seen = new Set<string>();
  const add = (def: IndexDefinition) => {
    const key = `${def.table}\u0000${def.name}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.definitions.push(def);
  };

  if (sources.has('pending')) {
    const section = options.status.pendingMigrations;
    if (section.error) out.unreadable.push(`Pending migrations could not be read: ${section.error.title} ${section.error.advice}`);
    for (const migration of section.items) fromPendingMigration(migration, options.parsers, out, add);
  }
  if (sources.has('missing')) {
    const section = options.status.missingIndexes;
    if (section.error) out.unreadable.push(`Missing indexes could not be read: ${section.error.title} ${section.error.advice}`);
    fromMissingIndexes(section.items, options.workspaceRoot, options.parsers, out, add);
  }

  if (options.only && options.only.length > 0) {
    const wanted = new Set(options.only);
    const found = new Set<string>();
    out.definitions = out.definitions.filter((d) => {
      const match = wanted.has(d.name) || (d.schema !== null && wanted.has(`${d.schema}.${d.name}`));
      if (match) found.add(wanted.has(d.name) ? d.name : `${d.schema}.${d.name}`);
      return match;
    });
    out.skipped = out.skipped.filter((s) => s.index !== null && wanted.has(s.index));
    for (const s of out.skipped) if (s.index) found.add(s.index);
    out.unknownNames = options.only.filter((name) => !found.has(name));
  }
  return out;
}

function fromPendingMigration(migration: PendingMigration, parsers: Parsers, out: GatheredIndexes, add: (def: IndexDefinition) => void): void {
  if (migration.problem) {
    out.unreadable.push(`${migration.relativePath}: could not be read (${migration.problem})`);
    return;
  }
  if (!migration.indexOperations.some((op) => op.kind === 'createIndex')) return;
  const language = languageOfPath(migration.path);
  let source: string;
  let file: MigrationFile | null;
  try {
    source = fs.readFileSync(migration.path, 'utf8');
    file = language ? parseMigration(migration.path, source, language, parsers) : null;
  } catch (error) {
    out.unreadable.push(`${migration.relativePath}: could not be read (${error instanceof Error ? error.message : String(error)})`);
    return;
  }
  if (!file) return;
  const starts = lineStarts(source);
  const createdTables = new Set(file.operations.filter((op) => op.kind === 'createTable' && op.table !== null).map((op) => op.table!));
  const creates = file.operations.filter((op): op is CreateIndexOperation => op.kind === 'createIndex' && op.direction !== 'down');
  let needsIfNotExists = false;
  for (const op of creates) {
    const origin: IndexOrigin = {
      kind: 'migration',
      file: migration.path,
      relativePath: migration.relativePath,
      version: migration.version,
      line: positionAt(starts, op.range.start).line + 1,
    };
    if (op.table !== null && createdTables.has(op.table)) {
      out.skipped.push({ index: op.name, table: op.table, origin, reason: 'the migration creates this table itself: nothing to build ahead', refused: false });
      continue;
    }
    try {
      add(indexDefinitionFromOperation(op, file, parsers.sql, origin));
      if (!op.ifNotExists) needsIfNotExists = true;
    } catch (error) {
      if (!(error instanceof IndexDefinitionError)) throw error;
      out.skipped.push({ index: op.name, table: op.table, origin, reason: error.message, refused: true });
    }
  }
  if (needsIfNotExists) {
    out.failWhenRun.push({ relativePath: migration.relativePath, version: migration.version });
    const [app, name] = migration.version.split('.');
    out.warnings.push(
      migration.framework === 'django'
        ? `${migration.relativePath}: once its indexes are built, this migration fails when it runs (the index exists). ` +
            `Record it as applied once they are: python manage.py migrate ${app} ${name} --fake`
        : `${migration.relativePath}: once its indexes are built, this migration fails when it runs (the index exists and it has no if_not_exists: true / IF NOT EXISTS). ` +
            `Add if_not_exists, or mark it as run: pg-index-guard mark-as-run ${migration.version}`,
    );
  }
}

function fromMissingIndexes(items: readonly MissingIndex[], root: string, parsers: Parsers, out: GatheredIndexes, add: (def: IndexDefinition) => void): void {
  const files = new Map<string, string | null>();
  const read = (file: string) => {
    if (!files.has(file)) {
      try {
        files.set(file, fs.readFileSync(path.join(root, file), 'utf8'));
      } catch {
        files.set(file, null);
      }
    }
    return files.get(file)!;
  };
  const sqlDefinitions = new Map<string, IndexDefinition[]>();
  const schemaRbOptions = new Map<string, Map<number, Record<string, RubyValue>>>();

  for (const item of items) {
    const origin: IndexOrigin = { kind: 'schema', file: item.file, line: item.line };
    if (item.tableMissing) {
      out.skipped.push({ index: item.name, table: item.table, origin, reason: `the table ${item.table} does not exist in the database (a pending migration creates it?)`, refused: false });
      continue;
    }
    if (item.equivalentIndex) {
      out.skipped.push({ index: item.name, table: item.table, origin, reason: `an equivalent index exists under another name: ${item.equivalentIndex}`, refused: false });
      continue;
    }
    const source = read(item.file);
    try {
      if (item.file.endsWith('.sql') && source !== null) {
        if (!sqlDefinitions.has(item.file)) {
          const starts = lineStarts(source);
          const { definitions } = indexDefinitionsFromSql(source, parsers.sql, (offset) => ({ kind: 'schema', file: item.file, line: positionAt(starts, offset).line + 1 }));
          sqlDefinitions.set(item.file, definitions);
        }
        const exact = sqlDefinitions.get(item.file)!.find((d) => d.name === item.name && d.table === item.table);
        add(exact ?? indexDefinitionFromDeclared(item, parsers.sql, origin));
        continue;
      }
      let byLine = schemaRbOptions.get(item.file);
      if (!byLine && source !== null) {
        byLine = schemaRbCallOptions(source, parsers);
        schemaRbOptions.set(item.file, byLine);
      }
      add(indexDefinitionFromDeclared(item, parsers.sql, origin, { railsOptions: byLine?.get(item.line) ?? {} }));
    } catch (error) {
      if (!(error instanceof IndexDefinitionError)) throw error;
      out.skipped.push({ index: item.name, table: item.table, origin, reason: error.message, refused: true });
    }
  }
}

/**
 * The options of every `add_index` / `t.index` call in a schema.rb, by 1-based line: the
 * declared-index reader keeps where/using/unique, the builder also needs order, opclass, include.
 */
function schemaRbCallOptions(source: string, parsers: Parsers): Map<number, Record<string, RubyValue>> {
  const result = parsers.ruby(source);
  const toOffset = byteToUtf16Mapper(source);
  const starts = lineStarts(source);
  const text = (node: P.Node) => source.slice(toOffset(node.location.startOffset), toOffset(node.location.startOffset + node.location.length));
  const byLine = new Map<number, Record<string, RubyValue>>();
  const walk = (node: P.Node | null): void => {
    if (!node) return;
    if (node instanceof P.CallNode && (node.name === 'add_index' || node.name === 'index')) {
      const args = node.arguments_?.arguments_ ?? [];
      const last = args[args.length - 1];
      if (last instanceof P.KeywordHashNode || last instanceof P.HashNode) {
        const options: Record<string, RubyValue> = {};
        for (const element of last.elements) {
          if (!(element instanceof P.AssocNode)) continue;
          const key = literalName(element.key);
          if (key !== null) options[key] = rubyValue(element.value, text);
        }
        byLine.set(positionAt(starts, toOffset(node.location.startOffset)).line + 1, options);
      }
    }
    for (const child of node.compactChildNodes()) walk(child);
  };
  walk(result.value);
  return byLine;
}
