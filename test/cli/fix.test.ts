// `pg-index-guard lint --fix`, in process: what is written, what is left alone, what is reported.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, existsSync, linkSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { loadParsers } from '../../src/core/lint';
import { defaultContext } from '../../src/core/lint-context';
import { collectTargets } from '../../src/cli/lint/files';
import { fixFiles, type FixHooks } from '../../src/cli/lint/fix-files';
import { ROOT, run, tempDir } from './helpers';

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

  describe('changes nothing but the fixes', () => {
    const SQL_PATH = 'sql/001_users.sql';
    const SQL = CASES[2]!.files[SQL_PATH]!;
    const SQL_FIXED = CASES[2]!.fixed[SQL_PATH]!;
    const sqlFile = () => join(dir.path, SQL_PATH);
    const leftovers = () => readdirSync(join(dir.path, 'sql')).filter((name) => name.endsWith('.tmp'));
    /** fixFiles as `lint --fix sql` calls it, with a test's hooks. */
    const fixWithHooks = async (hooks: FixHooks) => {
      const context = defaultContext();
      return fixFiles(collectTargets(['sql'], dir.path).targets, context, await loadParsers(['sql']), hooks);
    };

    test('a file that is not valid UTF-8 is refused, byte for byte as it was', async () => {
      mkdirSync(join(dir.path, 'sql'));
      // A Latin-1 comment: decoding it would turn \xe9 into U+FFFD.
      const bytes = Buffer.concat([Buffer.from('-- r\xe9sum\xe9 of the users index\n', 'latin1'), Buffer.from(SQL)]);
      writeFileSync(sqlFile(), bytes);
      const { code, stderr } = await run(['lint', '--fix', 'sql'], { cwd: dir.path });
      assert.deepEqual(readFileSync(sqlFile()), bytes);
      assert.equal(stderr, `Not fixed ${SQL_PATH}: it is not valid UTF-8, and writing the fixes would replace its invalid bytes; convert it to UTF-8 first\n`);
      assert.equal(code, 0, 'the finding left is a warning');
      assert.deepEqual(leftovers(), []);
    });

    test('a hard link keeps sharing the fixed file', async () => {
      write({ [SQL_PATH]: SQL });
      const other = join(dir.path, 'elsewhere.sql');
      linkSync(sqlFile(), other);
      const { stderr } = await run(['lint', '--fix', 'sql'], { cwd: dir.path });
      assert.equal(stderr, `Fixed ${SQL_PATH} (1 fix)\n`);
      assert.equal(readFileSync(other, 'utf8'), SQL_FIXED);
      assert.equal(statSync(sqlFile()).ino, statSync(other).ino);
      assert.equal(statSync(sqlFile()).nlink, 2);
      assert.deepEqual(leftovers(), []);
    });

    test("another user's file keeps its owner, group and mode; a file of ours keeps its group", async () => {
      write({ [SQL_PATH]: SQL, 'sql/002_users.sql': SQL.replace('index_users_on_email', 'index_users_on_name').replace('(email)', '(name)') });
      chownSync(sqlFile(), 65534, 65534);
      chmodSync(sqlFile(), 0o604);
      const ours = join(dir.path, 'sql/002_users.sql');
      chownSync(ours, process.getuid!(), 65534);
      chmodSync(ours, 0o660);
      const { stderr } = await run(['lint', '--fix', 'sql'], { cwd: dir.path });
      assert.equal(stderr, `Fixed ${SQL_PATH} (1 fix)\nFixed sql/002_users.sql (1 fix)\n`);
      assert.equal(readFileSync(sqlFile(), 'utf8'), SQL_FIXED);
      const theirs = statSync(sqlFile());
      assert.deepEqual([theirs.uid, theirs.gid, theirs.mode & 0o7777], [65534, 65534, 0o604]);
      assert.match(readFileSync(ours, 'utf8'), /IF NOT EXISTS/);
      const mine = statSync(ours);
      assert.deepEqual([mine.uid, mine.gid, mine.mode & 0o7777], [process.getuid!(), 65534, 0o660]);
      assert.deepEqual(leftovers(), []);
    });

    for (const [how, prepare] of [
      ['replaced by a rename', () => {}],
      ['written in place (a hard link)', () => linkSync(sqlFile(), join(dir.path, 'elsewhere.sql'))],
    ] as const) {
      test(`an edit made between the read and the write is kept, and the fix skipped: ${how}`, async () => {
        write({ [SQL_PATH]: SQL });
        prepare();
        const edit = '-- added by someone else meanwhile\n';
        const outcome = await fixWithHooks({ beforeReplace: (path) => appendFileSync(path, edit) });
        assert.equal(readFileSync(sqlFile(), 'utf8'), SQL + edit);
        assert.deepEqual(outcome, { fixed: [], notFixed: [`${SQL_PATH}: it changed while it was being fixed; run again to fix the new text`], unwritable: [] });
        assert.deepEqual(leftovers(), []);
      });
    }

    test('a run killed while writing leaves a temporary file that the next run removes', async () => {
      write({ [SQL_PATH]: SQL });
      // A real run, killed (SIGKILL) once its temporary file is written, before the rename.
      const killed = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '-e',
          `const { fixFiles } = require(${JSON.stringify(join(ROOT, 'src/cli/lint/fix-files.ts'))});
           const { collectTargets } = require(${JSON.stringify(join(ROOT, 'src/cli/lint/files.ts'))});
           const { loadParsers } = require(${JSON.stringify(join(ROOT, 'src/core/lint.ts'))});
           const { defaultContext } = require(${JSON.stringify(join(ROOT, 'src/core/lint-context.ts'))});
           loadParsers(['sql']).then((parsers) => fixFiles(collectTargets(['sql'], process.argv[1]).targets, defaultContext(), parsers,
             { beforeReplace: () => process.kill(process.pid, 'SIGKILL') }));`,
          dir.path,
        ],
        { cwd: ROOT, encoding: 'utf8' },
      );
      assert.equal(killed.signal, 'SIGKILL', killed.stderr);
      assert.equal(leftovers().length, 1, 'the killed run left its temporary file');
      assert.equal(readFileSync(sqlFile(), 'utf8'), SQL);

      const { stderr } = await run(['lint', '--fix', 'sql'], { cwd: dir.path });
      assert.equal(stderr, `Fixed ${SQL_PATH} (1 fix)\n`);
      assert.equal(readFileSync(sqlFile(), 'utf8'), SQL_FIXED);
      assert.deepEqual(leftovers(), []);
      // Also when the file needs no fix any more.
      writeFileSync(join(dir.path, 'sql', `001_users.sql.pg-index-guard-${killed.pid}.tmp`), 'left over');
      await run(['lint', '--fix', 'sql'], { cwd: dir.path });
      assert.deepEqual(leftovers(), []);
      assert.ok(existsSync(sqlFile()));
    });
  });

  test('without --fix nothing is written', async () => {
    write(CASES[0]!.files);
    await run(['lint', '.'], { cwd: dir.path });
    assert.equal(readFileSync(join(dir.path, 'db/migrate/20240101000000_add_index_to_messages.rb'), 'utf8'), Object.values(CASES[0]!.files)[0]);
  });
  describe('--unsafe-fixes', () => {
    const PLAIN = 'db/migrate/20240105000000_add_index_to_messages_on_source_id.rb';
    const plain = migration('AddIndexToMessagesOnSourceId', '    add_index :messages, :source_id\n');
    const SQL = 'sql/003_messages.sql';

    test('without it, the text output says how many unsafe fixes there are and how to write them', async () => {
      write({ [PLAIN]: plain, [SQL]: 'CREATE INDEX ON messages (source_id);\n' });
      const { stdout, stderr } = await run(['lint', '--fix', '.', '--fail-on', 'info'], { cwd: dir.path });
      assert.equal(readFileSync(join(dir.path, PLAIN), 'utf8'), plain, 'the unsafe fixes are not written');
      // psql runs a lone statement outside a transaction: CONCURRENTLY and the name are safe fixes there.
      assert.equal(stderr, `Fixed ${SQL} (2 fixes)\n`);
      // Left: the Rails file's concurrency and timeouts, the SQL file's timeouts.
      assert.match(stdout, /\n3 findings have unsafe fixes \(they take the migration out of its transaction or add timeouts, as the production pattern does\): run with --fix --unsafe-fixes to write them\.\n$/);
      const plainRun = await run(['lint', PLAIN], { cwd: dir.path });
      assert.match(plainRun.stdout, /\n2 findings have unsafe fixes .*--fix --unsafe-fixes/);
    });

    test('with it, a plain add_index gets the whole production pattern, and nothing is left to report', async () => {
      write({ [PLAIN]: plain, [SQL]: 'CREATE INDEX ON messages (source_id);\n' });
      const fixed = await run(['lint', '--fix', '--unsafe-fixes', '.', '--fail-on', 'hint'], { cwd: dir.path });
      assert.equal(
        readFileSync(join(dir.path, PLAIN), 'utf8'),
        [
          'class AddIndexToMessagesOnSourceId < ActiveRecord::Migration[7.1]',
          '',
          '  disable_ddl_transaction!',
          '',
          '  def change',
          `    up_only { execute "SET statement_timeout = '30min'" }`,
          `    up_only { execute "SET lock_timeout = '10s'" }`,
          '    add_index :messages, :source_id, algorithm: :concurrently, if_not_exists: true',
          '    up_only { execute "RESET statement_timeout" }',
          '    up_only { execute "RESET lock_timeout" }',
          '  end',
          'end',
          '',
        ].join('\n'),
      );
      assert.equal(
        readFileSync(join(dir.path, SQL), 'utf8'),
        "SET statement_timeout = '30min';\nSET lock_timeout = '10s';\nCREATE INDEX CONCURRENTLY IF NOT EXISTS messages_source_id_idx ON messages (source_id);\nRESET statement_timeout;\nRESET lock_timeout;\n",
      );
      assert.equal(fixed.stderr, `Fixed ${PLAIN} (1 fix)\nFixed ${SQL} (1 fix)\n`);
      assert.equal(fixed.stdout, 'No findings in 2 files.\n');
      assert.equal(fixed.code, 0);
    });

    test('the configured timeouts, in the guide form when a setting asks for it', async () => {
      write({ [PLAIN]: plain });
      writeFileSync(
        join(dir.path, '.pg-index-guard.json'),
        JSON.stringify({ 'fixTimeouts.lockTimeout': '5min', 'fixTimeouts.statementTimeout': '1h', 'fixTimeouts.onlyInProduction': true }),
      );
      await run(['lint', '--fix', '--unsafe-fixes', PLAIN], { cwd: dir.path });
      assert.match(
        readFileSync(join(dir.path, PLAIN), 'utf8'),
        /\n    if Rails\.env\.production\?\n      up_only \{ execute "SET statement_timeout = '1h'" \}\n      up_only \{ execute "SET lock_timeout = '5min'" \}\n    end\n    add_index :messages, :source_id, algorithm: :concurrently, if_not_exists: true\n/,
      );
    });

    test('it only goes with --fix', async () => {
      const { code, stderr } = await run(['lint', '--unsafe-fixes', '.'], { cwd: dir.path });
      assert.equal(code, 2);
      assert.match(stderr, /--unsafe-fixes only goes with --fix/);
    });
  });
});
