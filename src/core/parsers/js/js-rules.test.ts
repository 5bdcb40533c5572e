// Knex, TypeORM, node-pg-migrate and Sequelize migrations through the existing rules: valid cases
// silent, invalid ones with the exact finding and the fixed text in each framework's idiom.
import { ruleCases } from '../../testing/rule-cases';

const ts = { language: 'typescript' as const, path: 'migrations/20240101000000_messages.ts' };
const js = { language: 'javascript' as const, path: 'migrations/1700000000000_messages.js' };

const knexIndex = `import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('messages', (table) => {
    table.index(['conversation_id'], 'messages_conversation_id_idx');
  });
}
`;

const knexRaw = `exports.up = function (knex) {
  return knex.raw('CREATE INDEX CONCURRENTLY IF NOT EXISTS messages_author_idx ON messages (author_id)');
};
`;

const typeormQuery = `import { MigrationInterface, QueryRunner } from 'typeorm';

export class MessagesAuthor1700000000000 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(\`CREATE INDEX CONCURRENTLY IF NOT EXISTS "messages_author_idx" ON "messages" ("author_id")\`);
  }
}
`;

/** A TypeORM migration whose up() is \`body\` (one line, indented inside it). */
const typeorm = (body: string, members = '') =>
  `import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';\n\nexport class A1 implements MigrationInterface {\n${members}  async up(queryRunner: QueryRunner) {\n    ${body}\n  }\n}\n`;

const pgm = `exports.up = (pgm) => {
  pgm.createIndex('messages', 'conversation_id');
};
`;

const sequelize = `module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.addIndex('messages', ['conversation_id']);
  },
};
`;

ruleCases('require-concurrent-index-creation', {
  valid: [
    {
      name: 'Knex: indexes of a table created in the same migration',
      ...ts,
      source: `export async function up(knex) {\n  await knex.schema.createTable('tags', (table) => {\n    table.string('name').unique();\n    table.index(['name']);\n  });\n}\n`,
    },
    {
      name: 'Knex: template-literal SQL with ${} names no table (no false finding)',
      ...ts,
      source: 'export const config = { transaction: false };\nexport async function up(knex) {\n  await knex.raw(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${name} ON ${table} (${column})`);\n}\n',
    },
    { name: 'node-pg-migrate: concurrently', ...js, source: `exports.up = (pgm) => {\n  pgm.noTransaction();\n  pgm.createIndex('messages', 'conversation_id', { concurrently: true, ifNotExists: true });\n};\n` },
    { name: 'Sequelize: concurrently', ...js, source: sequelize.replace("['conversation_id'])", "['conversation_id'], { concurrently: true })") },
    { name: 'TypeORM: CREATE INDEX CONCURRENTLY with transaction = false', ...ts, source: typeormQuery.replace('  public async up', '  transaction = false;\n\n  public async up') },
    {
      name: 'TypeORM: a TableIndex with isConcurrent: true, transaction = false',
      ...ts,
      source: typeorm("await queryRunner.createIndex('messages', new TableIndex({ name: 'i', columnNames: ['author_id'], isConcurrent: true }));", '  transaction = false;\n\n'),
    },
    { name: 'a JS file that is not a migration', ...js, source: 'module.exports = { up: 1 };\n' },
  ],
  invalid: [
    {
      name: 'Knex: table.index, all the alterTable did, becomes knex.raw CREATE INDEX CONCURRENTLY, with config = { transaction: false }',
      ...ts,
      source: knexIndex,
      findings: [{ at: '5:5-5:69', message: /"messages"/ }],
      fix: { safety: 'unsafe' },
      fixed: `import type { Knex } from 'knex';\n\nexport async function up(knex: Knex): Promise<void> {\n  await knex.raw('CREATE INDEX CONCURRENTLY IF NOT EXISTS "messages_conversation_id_idx" ON "messages" ("conversation_id")');\n}\n\nexport const config = { transaction: false };\n`,
    },
    {
      name: "Knex: table.index beside other changes leaves the builder, unnamed: Knex's own name (the down migration's dropIndex finds it)",
      ...js,
      source: `exports.up = async (knex) => {\n  await knex.schema.alterTable('public.messages', (t) => {\n    t.string('kind');\n    t.index(['account_id', 'created_at']);\n  });\n};\n`,
      findings: [{ at: '4:5-4:42' }],
      fix: { safety: 'unsafe' },
      fixed: `exports.up = async (knex) => {\n  await knex.schema.alterTable('public.messages', (t) => {\n    t.string('kind');\n  });\n  await knex.raw('CREATE INDEX CONCURRENTLY IF NOT EXISTS "public_messages_account_id_created_at_index" ON "public"."messages" ("account_id", "created_at")');\n};\n\nexports.config = { transaction: false };\n`,
    },
    {
      name: "Knex: a name with a quote is escaped for SQL and for the JS string",
      ...js,
      source: `exports.up = async (knex) => {\n  await knex.schema.table('messages', (t) => {\n    t.index('a', "o'brien\\"idx");\n  });\n};\nexports.config = { transaction: false };\n`,
      findings: [{ at: '3:5-3:33' }],
      fixed: `exports.up = async (knex) => {\n  await knex.raw('CREATE INDEX CONCURRENTLY IF NOT EXISTS "o\\'brien""idx" ON "messages" ("a")');\n};\nexports.config = { transaction: false };\n`,
    },
    {
      name: 'Knex: table.index with options, or in a returned chain: no fix',
      ...js,
      source: `exports.up = (knex) => {\n  return knex.schema.alterTable('messages', (t) => {\n    t.index(['a'], 'i', { indexType: 'hash' });\n  });\n};\n`,
      findings: [{ at: '3:5-3:47' }],
      noFix: true,
    },
    {
      name: 'node-pg-migrate: createIndex gets { concurrently: true } and pgm.noTransaction()',
      ...js,
      source: pgm,
      findings: [{ at: '2:3-2:49' }],
      fix: { safety: 'unsafe' },
      fixed: `exports.up = (pgm) => {\n  pgm.noTransaction();\n  pgm.createIndex('messages', 'conversation_id', { concurrently: true });\n};\n`,
    },
    {
      name: 'node-pg-migrate: concurrently: false is set to true, not said twice',
      ...js,
      source: `exports.up = (pgm) => {\n  pgm.noTransaction();\n  pgm.createIndex('messages', 'conversation_id', { concurrently: false });\n};\n`,
      findings: [{ at: '3:3-3:74' }],
      fixed: `exports.up = (pgm) => {\n  pgm.noTransaction();\n  pgm.createIndex('messages', 'conversation_id', { concurrently: true });\n};\n`,
    },
    {
      name: 'Sequelize: addIndex gets concurrently (Sequelize runs outside a transaction: safe)',
      ...js,
      source: sequelize.replace("['conversation_id'])", "['conversation_id'], { name: 'messages_conversation_id' })"),
      findings: [{ at: '3:11-3:105' }],
      fix: { safety: 'safe' },
      fixed: sequelize.replace("['conversation_id'])", "['conversation_id'], { name: 'messages_conversation_id', concurrently: true })"),
    },
    {
      name: 'TypeORM: queryRunner.createIndex(new TableIndex(...)) gets isConcurrent: true and transaction = false',
      ...ts,
      source: typeorm("await queryRunner.createIndex('messages', new TableIndex({ name: 'i', columnNames: ['author_id'] }));"),
      findings: [{ at: '5:11-5:105', message: /"messages"/ }],
      fix: { safety: 'unsafe' },
      fixed: typeorm("await queryRunner.createIndex('messages', new TableIndex({ name: 'i', columnNames: ['author_id'], isConcurrent: true }));", '  transaction = false;\n\n'),
    },
    {
      name: 'TypeORM: isConcurrent: false is set to true, not said twice',
      ...ts,
      source: typeorm("await queryRunner.createIndex('messages', new TableIndex({ name: 'i', columnNames: ['author_id'], isConcurrent: false }));", '  transaction = false;\n\n'),
      findings: [{ at: '7:11-7:126' }],
      fixed: typeorm("await queryRunner.createIndex('messages', new TableIndex({ name: 'i', columnNames: ['author_id'], isConcurrent: true }));", '  transaction = false;\n\n'),
    },
    {
      name: 'TypeORM: a TableIndex built elsewhere (a variable): no fix',
      ...ts,
      source: typeorm("await queryRunner.createIndex('messages', index);"),
      findings: [{ at: '5:11-5:53' }],
      noFix: true,
    },
    {
      name: 'Knex: knex.raw gets CONCURRENTLY and exports.config = { transaction: false }',
      ...js,
      source: knexRaw.replace('CONCURRENTLY ', ''),
      findings: [{ at: '2:20-2:90' }],
      fix: { safety: 'unsafe' },
      fixed: `${knexRaw}\nexports.config = { transaction: false };\n`,
    },
  ],
});

ruleCases('require-concurrent-index-deletion', {
  valid: [
    {
      name: 'Knex: DROP INDEX CONCURRENTLY in knex.raw, config = { transaction: false }',
      ...js,
      source: `exports.up = async (knex) => {\n  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS "i"');\n};\nexports.config = { transaction: false };\n`,
    },
    {
      name: 'TypeORM: dropIndex of a TableIndex with isConcurrent: true, transaction = false',
      ...ts,
      source: typeorm("await queryRunner.dropIndex('messages', new TableIndex({ name: 'i', columnNames: ['a'], isConcurrent: true }));", '  transaction = false;\n\n'),
    },
  ],
  invalid: [
    {
      name: 'TypeORM: dropIndex of a TableIndex gets isConcurrent: true and transaction = false',
      ...ts,
      source: typeorm("await queryRunner.dropIndex('messages', new TableIndex({ name: 'i', columnNames: ['a'] }));"),
      findings: [{ at: '5:11-5:95', message: /"messages"/ }],
      fix: { safety: 'unsafe' },
      fixed: typeorm("await queryRunner.dropIndex('messages', new TableIndex({ name: 'i', columnNames: ['a'], isConcurrent: true }));", '  transaction = false;\n\n'),
    },
    {
      name: 'Knex: table.dropIndex becomes knex.raw DROP INDEX CONCURRENTLY (in the table\'s schema, Knex\'s name when unnamed)',
      ...js,
      source: `exports.up = async (knex) => {\n  await knex.schema.alterTable('app.messages', (t) => {\n    t.dropIndex(['account_id']);\n  });\n};\n`,
      findings: [{ at: '3:5-3:32' }],
      fix: { safety: 'unsafe' },
      fixed: `exports.up = async (knex) => {\n  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS "app"."app_messages_account_id_index"');\n};\n\nexports.config = { transaction: false };\n`,
    },
    {
      name: 'Knex: table.dropIndex beside a dropColumn: the concurrent drop comes first (dropping the column would drop the index under lock)',
      ...js,
      source: `exports.down = async (knex) => {\n  await knex.schema.alterTable('messages', (t) => {\n    t.dropIndex(['account_id'], 'messages_account_idx');\n    t.dropColumn('account_id');\n  });\n};\n`,
      findings: [{ at: '3:5-3:56' }],
      fix: { safety: 'unsafe' },
      fixed: `exports.down = async (knex) => {\n  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS "messages_account_idx"');\n  await knex.schema.alterTable('messages', (t) => {\n    t.dropColumn('account_id');\n  });\n};\n\nexports.config = { transaction: false };\n`,
    },
    {
      name: 'TypeORM: dropIndex by name says nothing of concurrency (no fix)',
      ...ts,
      source: typeorm("await queryRunner.dropIndex('messages', 'i');"),
      findings: [{ at: '5:11-5:49' }],
      noFix: true,
    },
  ],
});

ruleCases('ban-concurrent-index-creation-in-transaction', {
  valid: [{ name: 'Knex: exports.config = { transaction: false }', ...js, source: `${knexRaw}\nexports.config = { transaction: false };\n` }],
  invalid: [
    {
      name: 'TypeORM: CONCURRENTLY in the migration transaction gets transaction = false',
      ...ts,
      source: typeormQuery,
      findings: [{ at: '5:30-5:119' }],
      fixed: typeormQuery.replace('  public async up', '  transaction = false;\n\n  public async up'),
    },
    {
      name: 'Sequelize: concurrently inside queryInterface.sequelize.transaction (no fix)',
      ...js,
      source: `module.exports = {\n  async up(queryInterface) {\n    await queryInterface.sequelize.transaction(async (transaction) => {\n      await queryInterface.addIndex('messages', ['a'], { concurrently: true, transaction });\n    });\n  },\n};\n`,
      findings: [{ at: '4:13-4:92' }],
      noFix: true,
    },
  ],
});

ruleCases('disallowed-unique-constraint', {
  valid: [{ name: 'Sequelize: changeColumn without unique', ...js, source: "module.exports = {\n  up: async (queryInterface, Sequelize) => {\n    await queryInterface.changeColumn('users', 'email', { type: Sequelize.STRING, allowNull: false });\n  },\n};\n" }],
  invalid: [
    {
      name: 'Sequelize: changeColumn with unique: true adds a UNIQUE constraint under lock',
      ...js,
      source: "module.exports = {\n  up: async (queryInterface, Sequelize) => {\n    await queryInterface.changeColumn('users', 'email', { type: Sequelize.STRING, unique: true });\n  },\n};\n",
      findings: [{ at: '3:11-3:98', message: /"users"/ }],
    },
  ],
});

ruleCases('prefer-robust-stmts', {
  valid: [],
  invalid: [
    {
      name: 'TypeORM: a concurrent createIndex has no IF NOT EXISTS: the advice says what to do instead, no fix',
      ...ts,
      source: typeorm("await queryRunner.createIndex('messages', new TableIndex({ name: 'i', columnNames: ['a'], isConcurrent: true }));", '  transaction = false;\n\n'),
      findings: [{ at: '7:11-7:117', message: /queryRunner\.createIndex has no IF NOT EXISTS: a failed build leaves an INVALID index behind/ }],
      noFix: true,
    },
    {
      name: 'node-pg-migrate: concurrent createIndex gets ifNotExists: true',
      ...js,
      source: `exports.up = (pgm) => {\n  pgm.noTransaction();\n  pgm.createIndex('messages', 'conversation_id', { concurrently: true });\n};\n`,
      findings: [{ at: '3:3-3:73' }],
      fixed: `exports.up = (pgm) => {\n  pgm.noTransaction();\n  pgm.createIndex('messages', 'conversation_id', { concurrently: true, ifNotExists: true });\n};\n`,
    },
  ],
});
