import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MigrationFile, Operation } from '../../model/migration';
import { applyEdits } from '../../fixes/fix';
import { insertConcurrently } from '../../fixes/sql-edits';
import { loadParsers, parseMigration } from '../../lint';
import { parseEmbeddedSql } from './embedded';
import { loadSqlParser } from './libpg-query';

const migration = (body: string) => `class AddIndexes < ActiveRecord::Migration[7.1]\n  def up\n${body}  end\nend\n`;

async function parseRuby(source: string): Promise<MigrationFile> {
  const file = parseMigration('db/migrate/20240101000000_add_indexes.rb', source, 'ruby', await loadParsers());
  assert.ok(file);
  return file;
}

const textOf = (source: string, operation: Operation) => source.slice(operation.range.start, operation.range.end);

test('embedded sql: execute with a plain string', async () => {
  const file = await parseRuby(migration('    execute "CREATE INDEX idx ON messages (user_id)"\n'));
  const [operation] = file.operations;
  assert.ok(operation?.kind === 'createIndex');
  assert.equal(operation.via, 'execute');
  assert.equal(operation.table, 'messages');
  assert.equal(operation.direction, 'up');
  assert.equal(textOf(file.source, operation), 'CREATE INDEX idx ON messages (user_id)');
  assert.equal(
    applyEdits(file.source, [insertConcurrently(file, operation)!]),
    migration('    execute "CREATE INDEX CONCURRENTLY idx ON messages (user_id)"\n'),
  );
});

test('embedded sql: a heredoc after multi-byte text keeps exact ranges', async () => {
  const source = migration(
    '    # Größe: schneller 😀\n    execute <<-SQL\n      SET lock_timeout = \'5s\';\n      CREATE INDEX CONCURRENTLY idx ON messages (user_id);\n    SQL\n',
  );
  const file = await parseRuby(source);
  assert.deepEqual(
    file.operations.map((o) => [o.kind, textOf(source, o)]),
    [
      ['setTimeout', "SET lock_timeout = '5s'"],
      ['createIndex', 'CREATE INDEX CONCURRENTLY idx ON messages (user_id)'],
    ],
  );
});

test('embedded sql: a string with escapes is realigned over them', async () => {
  const source = migration('    execute "CREATE INDEX \\"idx\\" ON \\"Messages\\" (user_id)"\n');
  const file = await parseRuby(source);
  const [operation] = file.operations;
  assert.ok(operation?.kind === 'createIndex');
  assert.equal(operation.table, 'Messages');
  assert.equal(textOf(source, operation), 'CREATE INDEX \\"idx\\" ON \\"Messages\\" (user_id)');
  assert.equal(
    applyEdits(source, [insertConcurrently(file, operation)!]),
    migration('    execute "CREATE INDEX CONCURRENTLY \\"idx\\" ON \\"Messages\\" (user_id)"\n'),
  );
});

test('embedded sql: BEGIN inside the string puts what follows in a transaction block', async () => {
  const file = await parseRuby(migration('    execute "BEGIN; CREATE INDEX CONCURRENTLY idx ON t (x); COMMIT;"\n'));
  assert.deepEqual(
    file.operations.map((o) => [o.kind, o.inTransactionBlock]),
    [
      ['transactionControl', false],
      ['createIndex', true],
      ['transactionControl', true],
    ],
  );
});

test('embedded sql: unparsable SQL in a string is skipped silently', async () => {
  const file = await parseRuby(migration('    execute "CREATE INDEX {{ oops }}"\n    execute "VACUUM messages"\n'));
  assert.deepEqual(file.operations, []);
  assert.deepEqual(file.problems, []);
});

test('embedded sql: the raw body of a squiggly heredoc with interpolation', async () => {
  const parser = await loadSqlParser();
  const ruby = 'execute <<~SQL\n  -- für #{table}\n  CREATE INDEX idx ON #{table} (user_id);\n  DROP INDEX old;\nSQL\n';
  const start = ruby.indexOf('\n') + 1;
  const end = ruby.lastIndexOf('SQL');
  const operations = parseEmbeddedSql(ruby.slice(start, end), start, { parser, source: ruby });
  assert.deepEqual(
    operations.map((o) => [o.kind, o.table, textOf(ruby, o)]),
    [
      ['createIndex', null, 'CREATE INDEX idx ON #{table} (user_id)'],
      ['dropIndex', null, 'DROP INDEX old'],
    ],
  );
});

test('embedded sql: interpolation becomes a placeholder of the same length', async () => {
  const parser = await loadSqlParser();
  const ruby = 'execute "CREATE INDEX idx_#{suffix} ON #{table} (user_id) WHERE kind = \'#{kind}\'; CREATE INDEX #{algorithm} b ON t (x); DROP INDEX c"';
  const start = ruby.indexOf('CREATE');
  const sql = ruby.slice(start, ruby.length - 1);
  const operations = parseEmbeddedSql(sql, start, { parser, source: ruby });
  assert.deepEqual(
    operations.map((o) => [o.kind, o.table, 'name' in o ? o.name : null, textOf(ruby, o)]),
    [
      ['createIndex', null, null, "CREATE INDEX idx_#{suffix} ON #{table} (user_id) WHERE kind = '#{kind}'"],
      ['dropIndex', null, 'c', 'DROP INDEX c'],
    ],
  );
});

test('embedded sql: a value that cannot be realigned keeps its findings but offers no edits', async () => {
  const parser = await loadSqlParser();
  const operations = parseEmbeddedSql('CREATE INDEX idx ON t (x)', 0, { parser, source: 'something else entirely' });
  assert.equal(operations.length, 1);
  const syntax = operations[0]!.syntax;
  assert.ok(syntax?.kind === 'sqlStatement');
  assert.equal(syntax.concurrentlyInsertAt, undefined);
});
