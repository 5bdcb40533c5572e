// `pg-index-guard lint --fix`, in process: what is written, what is left alone, what is reported.
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { run, tempDir } from './helpers';

const migration = (name: string, body: string, header = '') =>
  `class ${name} < ActiveRecord::Migration[7.1]\n${header}\n  def change\n${body}  end\nend\n`;
const NO_TRANSACTION = '  disable_ddl_transaction!\n';

/** Each case: the files before, the files after --fix, and what stderr says. */
const CASES: Array<{ name: string; files: Record<string, string>; fixed: Record<string, string>; stderr: string[] }> = [
  {
    name: 'outside a transaction: CONCURRENTLY and if_not_exists are written; the timeouts are not (unsafe)',
    files: { 'db/migrate/20240101000000_add_index_to_messages.rb': migration('AddIndexToMessages', '    add_index :messages, :account_id\n', NO_TRANSACTION) },
    fixed: {
      'db/migrate/20240101000000_add_index_to_messages.rb': migration(
        'AddIndexToMessages',
        '    add_index :messages, :account_id, algorithm: :concurrently, if_not_exists: true\n',
        NO_TRANSACTION,
      ),
    },
    stderr: ['Fixed db/migrate/20240101000000_add_index_to_messages.rb (2 fixes)'],
  },
  {
    name: 'inside a transaction: nothing that would take the migration out of it',
    files: { 'db/migrate/20240102000000_add_index_to_contacts.rb': migration('AddIndexToContacts', '    add_index :contacts, :email\n') },
    fixed: {},
    stderr: [],
  },
  {
    name: 'SQL: IF NOT EXISTS',
    files: { 'sql/001_users.sql': 'CREATE INDEX CONCURRENTLY index_users_on_email ON users (email);\n' },
    fixed: { 'sql/001_users.sql': 'CREATE INDEX CONCURRENTLY IF NOT EXISTS index_users_on_email ON users (email);\n' },
    stderr: ['Fixed sql/001_users.sql (1 fix)'],
  },
  {
    name: 'SQL after a byte order mark: the fix lands where it belongs, the mark stays',
    files: { 'sql/002_users.sql': '\uFEFFCREATE INDEX CONCURRENTLY index_users_on_name ON users (name);\n' },
    fixed: { 'sql/002_users.sql': '\uFEFFCREATE INDEX CONCURRENTLY IF NOT EXISTS index_users_on_name ON users (name);\n' },
    stderr: ['Fixed sql/002_users.sql (1 fix)'],
  },
  {
    name: 'a file that does not parse is left as it is, and said so',
    files: { 'db/migrate/20240103000000_broken.rb': 'class Broken < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n  def change\n    add_index :messages, :x\n  end\n' },
    fixed: {},
    stderr: ['Not fixed db/migrate/20240103000000_broken.rb: it does not parse; fix the syntax error first'],
  },
  {
    name: 'a walked Ruby file that is no migration is never touched',
    files: { 'lib/tasks/indexes.rb': 'class Indexes\n  def change\n    add_index :messages, :x\n  end\nend\n' },
    fixed: {},
    stderr: [],
  },
];

describe('lint --fix', () => {
  let dir: { path: string; remove: () => void };
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  const write = (files: Record<string, string>) => {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir.path, path, '..'), { recursive: true });
      writeFileSync(join(dir.path, path), text);
    }
  };

  for (const c of CASES) {
    test(c.name, async () => {
      write(c.files);
      const { stderr } = await run(['lint', '--fix', '.'], { cwd: dir.path });
      for (const [path, before] of Object.entries(c.files)) {
        assert.equal(readFileSync(join(dir.path, path), 'utf8'), c.fixed[path] ?? before, path);
      }
      assert.deepEqual(stderr.split('\n').filter(Boolean), c.stderr);
      // Nothing left behind beside the files.
      for (const path of Object.keys(c.files)) {
        assert.deepEqual(readdirSync(join(dir.path, path, '..')).filter((name) => name.includes('.tmp')), []);
      }
    });
  }

  test('the report and the exit code are those of the fixed files', async () => {
    write(CASES[0]!.files);
    const fixed = await run(['lint', '--fix', '.', '--format', 'json', '--fail-on', 'info'], { cwd: dir.path });
    assert.deepEqual(
      JSON.parse(fixed.stdout).findings.map((f: { rule: string }) => f.rule),
      ['require-timeouts'],
    );
    assert.equal(fixed.code, 1);
    // Run again: nothing to fix, the same report.
    const again = await run(['lint', '--fix', '.', '--format', 'json', '--fail-on', 'info'], { cwd: dir.path });
    assert.equal(again.stderr, '');
    assert.equal(again.stdout, fixed.stdout);
  });

  test('the file keeps its mode, and a symlink stays a symlink to the fixed file', async () => {
    write({ 'shared/20240101000000_add_index_to_messages.rb': CASES[0]!.files['db/migrate/20240101000000_add_index_to_messages.rb']! });
    const target = join(dir.path, 'shared/20240101000000_add_index_to_messages.rb');
    chmodSync(target, 0o640);
    mkdirSync(join(dir.path, 'db/migrate'), { recursive: true });
    const link = join(dir.path, 'db/migrate/20240101000000_add_index_to_messages.rb');
    symlinkSync(target, link);
    const { stderr } = await run(['lint', '--fix', 'db/migrate/20240101000000_add_index_to_messages.rb'], { cwd: dir.path });
    assert.match(stderr, /^Fixed db\/migrate\/20240101000000_add_index_to_messages\.rb \(2 fixes\)\n$/);
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readFileSync(target, 'utf8'), CASES[0]!.fixed['db/migrate/20240101000000_add_index_to_messages.rb']);
    assert.equal(statSync(target).mode & 0o777, 0o640);
  });

  test('without --fix nothing is written', async () => {
    write(CASES[0]!.files);
    await run(['lint', '.'], { cwd: dir.path });
    assert.equal(readFileSync(join(dir.path, 'db/migrate/20240101000000_add_index_to_messages.rb'), 'utf8'), Object.values(CASES[0]!.files)[0]);
  });
});
