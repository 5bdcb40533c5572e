import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { loadParsers, parseMigration, type Parsers } from '../../lint';
import type { MigrationFile } from '../../model/migration';

let parsers: Parsers;
before(async () => {
  parsers = await loadParsers(['sql', 'typescript', 'javascript']);
});

const parse = (source: string, language: 'typescript' | 'javascript' = 'typescript'): MigrationFile =>
  parseMigration(`migrations/1700000000000_example.${language === 'typescript' ? 'ts' : 'js'}`, source, language, parsers)!;
const summary = (file: MigrationFile) =>
  file.operations.map((o) => `${o.direction} ${o.kind} ${o.table}${o.inTransactionBlock ? ' in-transaction' : ''} ${file.source.slice(o.range.start, o.range.end)}`);

test('Knex: up and down, builders of created and altered tables, raw SQL, config', () => {
  const file = parse(`import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tags', (t) => {
    t.string('name').unique();
  });
  await knex.schema.table('posts', (t) => t.index(['tag_id'], 'posts_tag_id'));
}

export const down = async (knex: Knex) => {
  await knex.schema.raw('DROP INDEX posts_tag_id');
};
`);
  assert.equal(file.framework, 'knex');
  assert.deepEqual(summary(file), [
    "up createTable tags knex.schema.createTable('tags', (t) => {\n    t.string('name').unique();\n  })",
    "up addUniqueConstraint tags t.string('name').unique()",
    "up createIndex posts t.index(['tag_id'], 'posts_tag_id')",
    'down dropIndex null DROP INDEX posts_tag_id',
  ]);
  assert.equal(file.runsInTransaction, true);
  assert.equal(parse("exports.config = { transaction: false };\nexports.up = (knex) => knex.raw('SELECT 1');\n", 'javascript').runsInTransaction, false);
});

test('TypeORM: queryRunner calls in a class; transaction = false', () => {
  const file = parse(`import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

export class Example1700000000000 implements MigrationInterface {
  transaction = false;
  async up(queryRunner: QueryRunner) {
    await queryRunner.createTable(new Table({ name: 'tags' }));
    await queryRunner.createIndex('posts', new TableIndex({ name: 'i', columnNames: ['tag_id'], isUnique: true }));
  }
  async down(queryRunner: QueryRunner) {
    await queryRunner.dropIndex('posts', 'i');
  }
}
`);
  assert.equal(file.framework, 'typeorm');
  assert.equal(file.runsInTransaction, false);
  assert.deepEqual(summary(file), [
    "up createTable tags queryRunner.createTable(new Table({ name: 'tags' }))",
    "up createIndex posts queryRunner.createIndex('posts', new TableIndex({ name: 'i', columnNames: ['tag_id'], isUnique: true }))",
    "down dropIndex posts queryRunner.dropIndex('posts', 'i')",
  ]);
});

test('TypeORM: a TableIndex with isConcurrent: true builds and drops CONCURRENTLY (TypeORM 0.3.18+)', () => {
  const file = parse(`import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

export class Example1700000000000 implements MigrationInterface {
  transaction = false;
  async up(queryRunner: QueryRunner) {
    await queryRunner.createIndex('posts', new TableIndex({ name: 'i', columnNames: ['tag_id'], isConcurrent: true }));
    await queryRunner.createIndex('posts', new TableIndex({ name: 'j', columnNames: ['a'] }));
  }
  async down(queryRunner: QueryRunner) {
    await queryRunner.dropIndex('posts', new TableIndex({ name: 'i', columnNames: ['tag_id'], isConcurrent: true }));
    await queryRunner.dropIndex('posts', 'j');
  }
}
`);
  assert.deepEqual(
    file.operations.map((o) => [o.direction, o.kind, o.kind === 'createIndex' || o.kind === 'dropIndex' ? [o.name, o.concurrent] : null]),
    [
      ['up', 'createIndex', ['i', true]],
      ['up', 'createIndex', ['j', false]],
      ['down', 'dropIndex', ['i', true]],
      ['down', 'dropIndex', ['j', false]],
    ],
  );
});

test('Sequelize: outside a transaction unless the migration opens one', () => {
  const file = parse(
    `module.exports = {
  up: async (queryInterface, Sequelize) => {
    await queryInterface.addIndex('posts', { fields: ['tag_id'], concurrently: true });
    await queryInterface.sequelize.transaction(async (transaction) => {
      await queryInterface.sequelize.query('CREATE INDEX i ON posts (a)', { transaction });
    });
  },
};
`,
    'javascript',
  );
  assert.equal(file.framework, 'sequelize');
  assert.equal(file.runsInTransaction, false);
  assert.deepEqual(summary(file), [
    "up createIndex posts queryInterface.addIndex('posts', { fields: ['tag_id'], concurrently: true })",
    'up createIndex posts in-transaction CREATE INDEX i ON posts (a)',
  ]);
});

test('node-pg-migrate: noTransaction, schema-qualified tables; a file of another kind is not a migration', () => {
  const file = parse("exports.up = (pgm) => {\n  pgm.noTransaction();\n  pgm.dropIndex({ schema: 'app', name: 'posts' }, ['a'], { concurrently: true, ifExists: true });\n};\n", 'javascript');
  assert.equal(file.framework, 'node-pg-migrate');
  assert.equal(file.runsInTransaction, false);
  assert.deepEqual(summary(file), ["up dropIndex app.posts pgm.dropIndex({ schema: 'app', name: 'posts' }, ['a'], { concurrently: true, ifExists: true })"]);
  assert.equal(parse('export const up = 1;\n').isMigration, false);
  assert.equal(parse('export function up(x) { return x + 1; }\n').isMigration, false);
});
