// `pg-index-guard lint`, in process: walking, exact JSON, exit codes, --fail-on, --config.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_SETTINGS, defaultContext } from '../../src/core/lint-context';
import { loadParsersDeferred } from '../../src/core/lint';
import { lintTargets } from '../../src/cli/lint/run';
import { jsonFormat } from '../../src/cli/lint/formats/json';
import {
  BAD_MIGRATION,
  BROKEN_MIGRATION,
  CREATE_TABLE_MIGRATION,
  FIXTURES,
  GOOD_MIGRATION,
  RAILS_APP,
  RUBY_NESTINGS,
  nestedMigration,
  buildCliBundleInto,
  makeRailsApp,
  run,
  tempDir,
  writeOnlyRulesConfig,
} from './helpers';

const CONCURRENT = 'require-concurrent-index-creation';
const MESSAGES_MESSAGE = 'Index built without CONCURRENTLY on "messages": writes to the table are blocked for the whole build.';
const CONTACTS_MESSAGE = 'Index built without CONCURRENTLY on "contacts": writes to the table are blocked for the whole build.';

describe('lint: folders and JSON', () => {
  let app: { path: string; remove: () => void };
  let onlyConcurrent: string;
  before(() => {
    app = makeRailsApp();
    onlyConcurrent = writeOnlyRulesConfig(join(app.path, 'only-concurrent.json'), { [CONCURRENT]: 'default' });
  });
  after(() => app.remove());

  test('walks the app, skips node_modules and dot folders, and prints the exact JSON', async () => {
    const { code, stdout, stderr } = await run(['lint', '.', '--format', 'json', '--config', onlyConcurrent], { cwd: app.path });
    assert.equal(stderr, '');
    assert.deepEqual(JSON.parse(stdout), {
      findings: [
        {
          file: 'db/migrate/20240102000000_add_index_to_messages.rb',
          rule: CONCURRENT,
          severity: 'warning',
          message: MESSAGES_MESSAGE,
          line: 3,
          column: 5,
          endLine: 3,
          endColumn: 42,
          fixable: true,
        },
        {
          file: 'db/migrate/20240102000000_add_index_to_messages.rb',
          rule: CONCURRENT,
          severity: 'warning',
          message: CONTACTS_MESSAGE,
          line: 4,
          column: 5,
          endLine: 6,
          endColumn: 27,
          fixable: true,
        },
        {
          file: 'db/migrate/20240104000000_broken.rb',
          rule: CONCURRENT,
          severity: 'warning',
          message: MESSAGES_MESSAGE,
          line: 3,
          column: 5,
          endLine: 3,
          endColumn: 35,
          fixable: true,
        },
        {
          file: 'db/migrate/20240104000000_broken.rb',
          rule: 'syntax-error',
          severity: 'error',
          message: 'Syntax error: expected an expression for the array element. Findings below this point may be incomplete.',
          line: 3,
          column: 34,
          endLine: 3,
          endColumn: 35,
          fixable: false,
        },
      ],
      // The four migrations: not schema.rb, app/models, lib/migration_helpers.rb (mentions
      // Migration, is not one), nor the copies under node_modules, .git, .bundle, db/.archive.
      summary: { files: 4, findings: 4, parseErrors: 1 },
    });
    assert.equal(code, 1, 'the syntax error counts as an error');
    assert.ok(stdout.endsWith('}\n'));
  });

  test('file paths stay as given: a folder named with ./ or from a subfolder', async () => {
    const fromRoot = JSON.parse((await run(['lint', './db/migrate/', '--format', 'json', '--config', onlyConcurrent], { cwd: app.path })).stdout);
    assert.equal(fromRoot.findings[0].file, 'db/migrate/20240102000000_add_index_to_messages.rb');
    const fromDb = JSON.parse(
      (await run(['lint', 'migrate', '--format', 'json', '--config', onlyConcurrent], { cwd: join(app.path, 'db') })).stdout,
    );
    assert.equal(fromDb.findings[0].file, 'migrate/20240102000000_add_index_to_messages.rb');
    const outside = JSON.parse((await run(['lint', join(app.path, 'db'), '--format', 'json', '--config', onlyConcurrent], { cwd: FIXTURES })).stdout);
    assert.equal(outside.findings[0].file, join(app.path, 'db/migrate/20240102000000_add_index_to_messages.rb'));
  });

  test('a folder above the working directory: its files inside the working directory are shown relative to it, the others absolute, at any depth', async () => {
    const dir = tempDir();
    try {
      const files = ['inside/001_a.sql', 'inside/deeper/002_b.sql', 'beside/003_c.sql', 'beside/deeper/004_d.sql', '005_e.sql'];
      for (const file of files) {
        mkdirSync(dirname(join(dir.path, file)), { recursive: true });
        writeFileSync(join(dir.path, file), 'CREATE INDEX i ON t (a);\n');
      }
      const { stdout } = await run(['lint', '..', '--format', 'json', '--config', onlyConcurrent], { cwd: join(dir.path, 'inside') });
      const shown = [...new Set((JSON.parse(stdout) as { findings: Array<{ file: string }> }).findings.map((f) => f.file))].sort();
      assert.deepEqual(shown, [join(dir.path, '005_e.sql'), join(dir.path, 'beside/003_c.sql'), join(dir.path, 'beside/deeper/004_d.sql'), '001_a.sql', 'deeper/002_b.sql'].sort());
    } finally {
      dir.remove();
    }
  });

  test('a file named explicitly is linted wherever it is, node_modules included', async () => {
    const path = 'node_modules/some-engine/db/migrate/20200101000000_add_index_to_messages.rb';
    const { stdout } = await run(['lint', path, '--format', 'json', '--config', onlyConcurrent], { cwd: app.path });
    const report = JSON.parse(stdout);
    assert.equal(report.summary.files, 1);
    assert.deepEqual(report.findings.map((f: { file: string }) => f.file), [path, path]);
  });

  test('an explicit Ruby file that is not a migration counts as linted, with no findings', async () => {
    const { code, stdout } = await run(['lint', 'lib/migration_helpers.rb', 'app/models/message.rb', '--format', 'json'], { cwd: app.path });
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(stdout), { findings: [], summary: { files: 2, findings: 0, parseErrors: 0 } });
  });

  test('the same file twice is linted once; files that are neither .rb nor .sql are skipped with a note', async () => {
    const { code, stdout, stderr } = await run(['lint', BAD_MIGRATION, 'db/migrate', 'README.md', '--format', 'json', '--config', onlyConcurrent], {
      cwd: app.path,
    });
    // BAD_MIGRATION is the original fixture (outside the temp app), so it is a second file.
    const report = JSON.parse(stdout);
    assert.equal(report.summary.files, 5);
    assert.match(stderr, /README\.md: not a migration file \(\.rb, \.sql, \.py, \.ts, \.js\), skipped/);
    assert.equal(code, 1);
    const again = JSON.parse((await run(['lint', 'db/migrate', 'db/migrate/20240102000000_add_index_to_messages.rb', '--format', 'json'], { cwd: app.path })).stdout);
    assert.equal(again.summary.files, 4);
  });

  test('symlinks: a loop is walked once, a folder reached through a link is linted once, a folder inside a linked one is found', async () => {
    const dir = tempDir();
    try {
      // migrations/nested/001.sql; migrations/loop -> migrations; linked -> migrations/nested;
      // outside/deep/002.sql reached only through migrations/outside -> outside.
      mkdirSync(join(dir.path, 'migrations', 'nested'), { recursive: true });
      mkdirSync(join(dir.path, 'outside', 'deep'), { recursive: true });
      writeFileSync(join(dir.path, 'migrations', 'nested', '001.sql'), 'CREATE INDEX a ON messages (a);\n');
      writeFileSync(join(dir.path, 'outside', 'deep', '002.sql'), 'CREATE INDEX b ON messages (b);\n');
      symlinkSync(join(dir.path, 'migrations'), join(dir.path, 'migrations', 'loop'));
      symlinkSync(join(dir.path, 'migrations', 'nested'), join(dir.path, 'linked'));
      symlinkSync(join(dir.path, 'outside'), join(dir.path, 'migrations', 'outside'));
      const { stdout, stderr } = await run(['lint', 'migrations', 'linked', '--format', 'json'], { cwd: dir.path });
      assert.equal(stderr, '');
      const files = [...new Set(JSON.parse(stdout).findings.map((f: { file: string }) => f.file))].sort();
      assert.deepEqual(files, ['migrations/nested/001.sql', 'migrations/outside/deep/002.sql']);
    } finally {
      dir.remove();
    }
  });

  test('SQL migrations go through the same path', async () => {
    const { stdout } = await run(['lint', 'sql', '--format', 'json'], { cwd: FIXTURES });
    const report = JSON.parse(stdout);
    assert.equal(report.summary.files, 1);
    const concurrent = report.findings.find((f: { rule: string }) => f.rule === CONCURRENT);
    assert.ok(concurrent, 'a plain CREATE INDEX is reported');
    assert.equal(concurrent.file, 'sql/001_create_index.sql');
    assert.equal(concurrent.line, 2);
    assert.equal(concurrent.column, 1);
  });
});

describe('lint: exit codes and --fail-on', () => {
  let dir: { path: string; remove: () => void };
  let onlyConcurrent: string;
  before(() => {
    dir = tempDir();
    onlyConcurrent = writeOnlyRulesConfig(join(dir.path, 'only-concurrent.json'), { [CONCURRENT]: 'default' });
  });
  after(() => dir.remove());

  test('0 when nothing reaches the failing severity (default: error)', async () => {
    assert.equal((await run(['lint', CREATE_TABLE_MIGRATION])).code, 0);
    assert.equal((await run(['lint', BAD_MIGRATION, '--config', onlyConcurrent])).code, 0, 'warnings do not fail by default');
  });

  test('1 when a finding reaches --fail-on', async () => {
    assert.equal((await run(['lint', BAD_MIGRATION, '--config', onlyConcurrent, '--fail-on', 'warning'])).code, 1);
    assert.equal((await run(['lint', BAD_MIGRATION, '--config', onlyConcurrent, '--fail-on=hint'])).code, 1);
    assert.equal((await run(['lint', BROKEN_MIGRATION, '--config', onlyConcurrent])).code, 1, 'a syntax error is an error');
  });

  test('--fail-on compares severities in order error > warning > info > hint', async () => {
    const asInfo = writeOnlyRulesConfig(join(dir.path, 'info.json'), { [CONCURRENT]: 'info' });
    assert.equal((await run(['lint', BAD_MIGRATION, '--config', asInfo, '--fail-on', 'warning'])).code, 0);
    assert.equal((await run(['lint', BAD_MIGRATION, '--config', asInfo, '--fail-on', 'info'])).code, 1);
    assert.equal((await run(['lint', BAD_MIGRATION, '--config', asInfo, '--fail-on', 'hint'])).code, 1);
    const asHint = writeOnlyRulesConfig(join(dir.path, 'hint.json'), { [CONCURRENT]: 'hint' });
    assert.equal((await run(['lint', BAD_MIGRATION, '--config', asHint, '--fail-on', 'info'])).code, 0);
    assert.equal((await run(['lint', BAD_MIGRATION, '--config', asHint, '--fail-on', 'hint'])).code, 1);
  });

  test('2 for usage errors, each with a message on stderr and nothing on stdout', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['lint', BAD_MIGRATION, '--bogus'], /Unknown option '--bogus'/],
      [['lint'], /No files or folders to lint/],
      [['lint', 'no/such/file.rb'], /Cannot lint no\/such\/file\.rb: no such file or directory/],
      [['lint', BAD_MIGRATION, '--format', 'xml'], /Unknown --format "xml"/],
      [['lint', BAD_MIGRATION, '--fail-on', 'fatal'], /Unknown --fail-on "fatal"/],
      [['lint', BAD_MIGRATION, '--format'], /argument missing/],
      [['frobnicate'], /Unknown command "frobnicate"/],
      [[], /Usage: pg-index-guard <command>/],
    ];
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = await run(args);
      assert.equal(code, 2, args.join(' '));
      assert.equal(stdout, '', args.join(' '));
      assert.match(stderr, message, args.join(' '));
    }
  });

  test('every missing path is named at once', async () => {
    const { code, stderr } = await run(['lint', 'a.rb', BAD_MIGRATION, 'b']);
    assert.equal(code, 2);
    assert.match(stderr, /Cannot lint a\.rb: no such file or directory\nCannot lint b: no such file or directory/);
  });

  test('an unreadable file: the report for the others, a message on stderr, exit 2', async () => {
    const locked = join(dir.path, '20240101000000_locked.rb');
    writeFileSync(locked, 'class Locked < ActiveRecord::Migration[7.1]; end\n');
    chmodSync(locked, 0o000);
    let outcome: { code: number | null; stdout: string; stderr: string };
    if (process.getuid?.() === 0) {
      // Root reads everything: run the CLI as nobody, for whom the file is locked. Everything
      // nobody runs and reads is copied beside the locked file: the checkout may be closed to it.
      chmodSync(dir.path, 0o755);
      await buildCliBundleInto(dir.path);
      const good = join(dir.path, basename(GOOD_MIGRATION));
      copyFileSync(GOOD_MIGRATION, good);
      const result = spawnSync(process.execPath, [join(dir.path, 'cli.js'), 'lint', locked, good, '--format', 'json'], {
        uid: 65534,
        gid: 65534,
        cwd: dir.path,
        encoding: 'utf8',
      });
      outcome = { code: result.status, stdout: result.stdout, stderr: result.stderr };
    } else {
      outcome = await run(['lint', locked, GOOD_MIGRATION, '--format', 'json']);
    }
    assert.equal(outcome.code, 2, outcome.stderr);
    assert.match(outcome.stderr, /Cannot read .*_locked\.rb: permission denied/);
    assert.equal(JSON.parse(outcome.stdout).summary.files, 1);
  });

  test('a file that cannot be read while linting is reported, not thrown', async () => {
    const parsers = await loadParsersDeferred(['ruby']);
    const missing = join(dir.path, 'gone.rb');
    const { report, unreadable } = await lintTargets(
      [
        { path: 'gone.rb', absolutePath: missing, language: 'ruby', explicit: true, regularFile: true },
        { path: 'good.rb', absolutePath: GOOD_MIGRATION, language: 'ruby', explicit: true, regularFile: true },
      ],
      defaultContext(),
      parsers,
      jsonFormat,
    );
    assert.deepEqual(unreadable, ['gone.rb: no such file or directory']);
    assert.equal(report.summary.files, 1);
  });
});

describe('lint: libpg-query loaded on demand', () => {
  test('files that need it, first, in the middle and last among 200, are linted as with it loaded from the start, in order', async () => {
    const dir = tempDir();
    try {
      const needsLibpg = new Set([0, 1, 77, 140, 199]);
      const targets = Array.from({ length: 200 }, (_, i) => {
        const name = `${String(i).padStart(3, '0')}.sql`;
        const sql = needsLibpg.has(i)
          ? `CREATE INDEX lower_${i} ON messages ((lower(email)) text_pattern_ops DESC) WITH (fillfactor = 70) TABLESPACE fast;\nCREATE TEMP TABLE t${i} ON COMMIT DROP AS SELECT 1;\n`
          : `CREATE INDEX i${i} ON messages (c${i});\n`;
        writeFileSync(join(dir.path, name), sql);
        return { path: name, absolutePath: join(dir.path, name), language: 'sql' as const, explicit: false, regularFile: true };
      });
      const onDemand = await loadParsersDeferred(['sql']);
      const fromTheStart = await loadParsersDeferred(['sql']);
      await fromTheStart.sql.load();
      const expected = await lintTargets(targets, defaultContext(), fromTheStart, jsonFormat);
      const actual = await lintTargets(targets, defaultContext(), onDemand, jsonFormat);
      assert.deepEqual(actual, expected);
      const files = JSON.parse(`[${expected.report.findings.join(',')}]`).map((f: { file: string }) => f.file);
      assert.deepEqual([...new Set(files)], targets.map((t) => t.path), 'every file has findings, in order');
      assert.ok(files.includes('077.sql') && expected.report.summary.parseErrors === 0);
    } finally {
      dir.remove();
    }
  });
});

describe('lint: a file the parser cannot follow', () => {
  let dir: { path: string; remove: () => void };
  let onlyConcurrent: string;
  before(() => {
    dir = tempDir();
    onlyConcurrent = writeOnlyRulesConfig(join(dir.path, 'only-concurrent.json'), { [CONCURRENT]: 'default' });
  });
  after(() => dir.remove());

  test('a deeply nested file is an internal error (exit 2), and every file after it is linted as usual', async () => {
    const migrate = join(dir.path, 'db', 'migrate');
    mkdirSync(migrate, { recursive: true });
    // Sorted by version: the too-deep files come first, then files nested 1 to 260 levels
    // (the depths that used to come back wrong), each with one finding to make.
    const tooDeep = [10_000, 2_000];
    const followed = [1, 150, 200, 260];
    let version = 20240101000000;
    const expected: Array<{ file: string; rule: string; severity: string }> = [];
    for (const [kind, nest] of Object.entries(RUBY_NESTINGS)) {
      for (const depth of [...tooDeep, ...followed]) {
        const file = `db/migrate/${version++}_nested_${kind}_${depth}.rb`;
        writeFileSync(join(dir.path, file), nestedMigration(`Nested${depth}`, nest(depth)));
        expected.push(
          tooDeep.includes(depth)
            ? { file, rule: 'internal-error', severity: 'error' }
            : { file, rule: CONCURRENT, severity: 'warning' },
        );
      }
    }
    const { code, stdout, stderr } = await run(['lint', 'db', '--format', 'json', '--config', onlyConcurrent, '--fail-on', 'warning'], { cwd: dir.path });
    const report = JSON.parse(stdout);
    assert.deepEqual(
      report.findings.map((f: { file: string; rule: string; severity: string }) => ({ file: f.file, rule: f.rule, severity: f.severity })),
      expected,
    );
    const internal = report.findings.filter((f: { rule: string }) => f.rule === 'internal-error');
    for (const finding of internal) {
      assert.equal(finding.message, 'PG Index Guard could not read this file: it nests blocks, brackets or calls more deeply than the Ruby parser can follow (some 400 levels). Nothing in it was linted.');
    }
    assert.equal(report.summary.files, expected.length);
    assert.equal(code, 2);
    assert.equal(stderr, `${internal.length} files were not linted: PG Index Guard could not read them (internal-error findings above)\n`);

    const text = await run(['lint', 'db', '--config', onlyConcurrent], { cwd: dir.path });
    assert.equal(text.code, 2, 'whatever --fail-on says');
    assert.match(text.stdout, new RegExp(`in ${expected.length} files, ${internal.length} files not linted \\(internal-error\\)\\.\n\\d+ findings have unsafe fixes .*\n$`));
  });
});

describe('lint: odd files', () => {
  let dir: { path: string; remove: () => void };
  let onlyConcurrent: string;
  before(() => {
    dir = tempDir();
    onlyConcurrent = writeOnlyRulesConfig(join(dir.path, 'only-concurrent.json'), { [CONCURRENT]: 'default' });
  });
  after(() => dir.remove());

  test('a named pipe is read to its end, however its writer cuts the text', async () => {
    // Short reads from a pipe are not its end (they are for a regular file, which the reader relies on).
    const fifo = join(dir.path, 'piped.sql');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn(process.execPath, [
      '-e',
      `const fs = require('fs'); const fd = fs.openSync(${JSON.stringify(fifo)}, 'w');
       fs.writeSync(fd, 'SELECT 1;\\n');
       setTimeout(() => { fs.writeSync(fd, 'CREATE INDEX index_messages_on_account_id ON messages (account_id);\\n'); fs.closeSync(fd); }, 300);`,
    ]);
    // Listened for now: the writer may end while the lint awaits libpg-query's loading.
    const written = new Promise((resolve) => writer.on('exit', resolve));
    const linted = await run(['lint', fifo, '--format', 'json'], { cwd: dir.path });
    await written;
    const findings = JSON.parse(linted.stdout).findings as Array<{ rule: string; line: number }>;
    assert.deepEqual(
      findings.filter((f) => f.rule === 'require-concurrent-index-creation').map((f) => f.line),
      [2],
    );
  });

  test('a binary file is skipped with the file-skipped finding', async () => {
    const binary = join(dir.path, 'blob.sql');
    writeFileSync(binary, Buffer.from([0x43, 0x52, 0x45, 0x00, 0x01, 0x02, 0xff, 0xfe]));
    const { code, stdout } = await run(['lint', 'blob.sql', '--format', 'json'], { cwd: dir.path });
    const report = JSON.parse(stdout);
    assert.equal(code, 0);
    assert.deepEqual(report.summary, { files: 1, findings: 1, parseErrors: 0 });
    assert.equal(report.findings[0].rule, 'file-skipped');
    assert.equal(report.findings[0].severity, 'info');
    assert.match(report.findings[0].message, /binary/);
    assert.deepEqual([report.findings[0].line, report.findings[0].column], [1, 1]);
  });

  test('files above maxFileSize are skipped (the core decides near the limit, the CLI far above it)', async () => {
    mkdirSync(join(dir.path, 'big'), { recursive: true });
    const migration = (body: string) => `class AddIndexToMessages < ActiveRecord::Migration[7.1]\n  def change\n${body}  end\nend\n`;
    writeFileSync(join(dir.path, 'big', '1_near.rb'), migration(`    # ${'x'.repeat(150)}\n`));
    writeFileSync(join(dir.path, 'big', '2_far.rb'), migration(`    # ${'x'.repeat(5000)}\n`));
    writeFileSync(join(dir.path, 'big', '3_small.rb'), migration(''));
    writeFileSync(join(dir.path, 'config.json'), JSON.stringify({ maxFileSize: 200 }));
    const { stdout } = await run(['lint', 'big', '--format', 'json', '--config', 'config.json'], { cwd: dir.path });
    const report = JSON.parse(stdout);
    assert.deepEqual(
      report.findings.map((f: { file: string; rule: string }) => [f.file, f.rule]),
      [
        ['big/1_near.rb', 'file-skipped'],
        ['big/2_far.rb', 'file-skipped'],
      ],
    );
    assert.equal(report.summary.files, 3);
  });

  test('a byte order mark: SQL parses as without it, and positions are the ones an editor shows (Ruby alike)', async () => {
    const cases = [
      { file: 'bom.sql', text: 'CREATE INDEX index_messages_on_a ON messages (a);\n', line: 1, column: 1, endColumn: 49 },
      { file: 'bom-later.sql', text: '-- indexes\nSELECT 1;\nCREATE INDEX index_messages_on_a ON messages (a);\n', line: 3, column: 1, endColumn: 49 },
      { file: 'bom.rb', text: 'class A < ActiveRecord::Migration[7.1]; def change; add_index :messages, :a; end; end\n', line: 1, column: 53, endColumn: 76 },
    ];
    for (const c of cases) {
      writeFileSync(join(dir.path, c.file), `\uFEFF${c.text}`);
      const { code, stdout, stderr } = await run(['lint', c.file, '--format', 'json', '--config', onlyConcurrent], { cwd: dir.path });
      assert.equal(stderr, '', c.file);
      assert.equal(code, 0, c.file);
      const findings = JSON.parse(stdout).findings.map((f: { rule: string; line: number; column: number; endLine: number; endColumn: number }) => [f.rule, f.line, f.column, f.endLine, f.endColumn]);
      assert.deepEqual(findings, [[CONCURRENT, c.line, c.column, c.line, c.endColumn]], c.file);
    }
  });

  test("a file whose report passes V8's longest string is reported in runs, not a RangeError", async () => {
    // A 20 MB migration has some 2 million findings, over 512 M characters of JSON: a format
    // whose every finding is 100 M characters long gets there with six.
    const file = join(dir.path, 'six.sql');
    writeFileSync(file, Array.from({ length: 6 }, (_, i) => `CREATE INDEX CONCURRENTLY IF NOT EXISTS i${i} ON messages (c${i});\n`).join(''));
    const long = 'x'.repeat(100 * 1024 * 1024);
    const hugeFormat = { ...jsonFormat, finding: () => long };
    const { report } = await lintTargets(
      [{ path: 'six.sql', absolutePath: file, language: 'sql', explicit: true, regularFile: true }],
      defaultContext(),
      await loadParsersDeferred(['sql']),
      hugeFormat,
    );
    assert.equal(report.summary.bySeverity.warning + report.summary.bySeverity.error + report.summary.bySeverity.info, 6);
    assert.ok(report.findings.length > 1);
    // Every finding's text, each in one piece: the pieces are printed with a separator between them.
    assert.deepEqual(report.findings.map((piece) => piece.length), Array(6).fill(long.length));
  });

  test('an empty file and a non-UTF-8 file do not crash', async () => {
    writeFileSync(join(dir.path, 'empty.rb'), '');
    writeFileSync(join(dir.path, 'latin1.rb'), Buffer.from('class Caf\xe9 < ActiveRecord::Migration[7.1]\n  def change\n    add_index :messages, :id\n  end\nend\n', 'latin1'));
    const { code, stdout } = await run(['lint', 'empty.rb', 'latin1.rb', '--format', 'json'], { cwd: dir.path });
    assert.ok(code === 0 || code === 1);
    assert.equal(JSON.parse(stdout).summary.files, 2);
  });
});

describe('lint: --config and .pg-index-guard.json', () => {
  test('--config maps rule severities onto the settings', async () => {
    const config = join(FIXTURES, 'configs', 'only-concurrent-creation.json');
    const { code, stdout } = await run(['lint', BAD_MIGRATION, '--format', 'json', '--config', config]);
    assert.equal(code, 1, 'require-concurrent-index-creation is an error now');
    const severities = JSON.parse(stdout)
      .findings.filter((f: { rule: string }) => f.rule === CONCURRENT)
      .map((f: { severity: string }) => f.severity);
    assert.deepEqual(severities, ['error', 'error']);
  });

  test('.pg-index-guard.json in the current directory is used when --config is absent', async () => {
    const cwd = join(FIXTURES, 'configured-app');
    const { code, stdout } = await run(['lint', 'db', '--format', 'json'], { cwd });
    const messages = JSON.parse(stdout).findings.filter((f: { rule: string; message: string }) => f.rule === CONCURRENT && /"messages"/.test(f.message));
    assert.equal(messages.length, 1);
    assert.equal(messages[0].severity, 'error', 'largeTables: ["messages"] raises the severity');
    assert.equal(code, 1);
    // Without the file (another cwd), the same migration only warns.
    const plain = JSON.parse((await run(['lint', join(cwd, 'db'), '--format', 'json'], { cwd: RAILS_APP })).stdout);
    assert.equal(plain.findings.find((f: { rule: string }) => f.rule === CONCURRENT).severity, 'warning');
  });

  test('--config wins over .pg-index-guard.json', async () => {
    const cwd = join(FIXTURES, 'configured-app');
    const config = join(FIXTURES, 'configs', 'only-concurrent-creation.json');
    const { stdout } = await run(['lint', 'db', '--format', 'json', '--config', config], { cwd });
    // only-concurrent-creation.json sets no largeTables: contacts and messages are both errors by the rule setting.
    assert.ok(JSON.parse(stdout).findings.filter((f: { rule: string }) => f.rule === CONCURRENT).every((f: { severity: string }) => f.severity === 'error'));
  });

  test('bad configs exit 2 with a message that names the file and the problem', async () => {
    const cases: Array<[string, RegExp]> = [
      ['unknown-rule.json', /unknown-rule\.json: unknown rule id "require-concurrent-index-creations" in "rules"\. Known rules: .*require-concurrent-index-creation/],
      ['bad-severity.json', /bad-severity\.json: bad severity "fatal" for rule "require-concurrent-index-creation"\. Use one of: off, default, error, warning, info, hint\./],
      ['not-json.json', /Config file .*not-json\.json is not valid JSON/],
      ['unknown-setting.json', /unknown-setting\.json: unknown setting "largeTable"\. Known settings: rules, largeTables/],
      ['missing.json', /Cannot read config file .*missing\.json: no such file or directory/],
    ];
    for (const [file, message] of cases) {
      const { code, stdout, stderr } = await run(['lint', BAD_MIGRATION, '--config', join(FIXTURES, 'configs', file)]);
      assert.equal(code, 2, file);
      assert.equal(stdout, '', file);
      assert.match(stderr, message, file);
    }
  });

  test('type errors in settings are reported', async () => {
    const dir = tempDir();
    try {
      const cases: Array<[unknown, RegExp]> = [
        [[], /must hold a JSON object/],
        [{ rules: [] }, /"rules" must be an object/],
        [{ largeTables: 'messages' }, /"largeTables" must be an array of table names/],
        [{ largeTableRowThreshold: -1 }, /"largeTableRowThreshold" must be a positive number/],
        [{ maxFileSize: '1MB' }, /"maxFileSize" must be a positive number/],
      ];
      for (const [config, message] of cases) {
        writeFileSync(join(dir.path, 'c.json'), JSON.stringify(config));
        const { code, stderr } = await run(['lint', BAD_MIGRATION, '--config', 'c.json'], { cwd: dir.path });
        assert.equal(code, 2, JSON.stringify(config));
        assert.match(stderr, message, JSON.stringify(config));
      }
    } finally {
      dir.remove();
    }
  });

  test('every setting lands in LintSettings', async () => {
    const { loadConfig } = await import('../../src/cli/config');
    const dir = tempDir();
    try {
      writeFileSync(
        join(dir.path, '.pg-index-guard.json'),
        JSON.stringify({ $schema: 'x', rules: { [CONCURRENT]: 'off' }, largeTables: ['messages'], largeTableRowThreshold: 5, maxFileSize: 7 }),
      );
      assert.deepEqual(loadConfig(undefined, dir.path).settings, {
        ...DEFAULT_SETTINGS,
        rules: { [CONCURRENT]: 'off' },
        largeTables: ['messages'],
        largeTableRowThreshold: 5,
        maxFileBytes: 7,
      });
      assert.deepEqual(loadConfig(undefined, FIXTURES), { settings: DEFAULT_SETTINGS, path: null });

      // The editor's other lint settings, by the same names (pgIndexGuard.<name>).
      writeFileSync(
        join(dir.path, '.pg-index-guard.json'),
        JSON.stringify({
          timeoutsConfiguredElsewhere: true,
          'fixTimeouts.lockTimeout': '3s',
          'fixTimeouts.statementTimeout': '1h',
          minBuildStatementTimeoutMinutes: 20,
          lowSelectivityColumns: ['status'],
          sqlRunner: 'goose',
        }),
      );
      assert.deepEqual(loadConfig(undefined, dir.path).settings, {
        ...DEFAULT_SETTINGS,
        timeoutsConfiguredElsewhere: true,
        fixTimeouts: { lock: '3s', statement: '1h', onlyInProduction: false },
        minBuildStatementTimeoutMs: 20 * 60_000,
        lowSelectivityColumns: ['status'],
        sqlRunner: 'goose',
      });
      writeFileSync(join(dir.path, '.pg-index-guard.json'), JSON.stringify({ sqlRunner: 'rake' }));
      assert.throws(() => loadConfig(undefined, dir.path), /\.pg-index-guard\.json: "sqlRunner" must be one of: auto, psql, goose/);
    } finally {
      dir.remove();
    }
  });

  test('a strong_migrations initializer that sets lock_timeout counts as timeouts set elsewhere, as in the editor', async () => {
    const dir = tempDir();
    try {
      mkdirSync(join(dir.path, 'config', 'initializers'), { recursive: true });
      mkdirSync(join(dir.path, 'db', 'migrate'), { recursive: true });
      copyFileSync(BAD_MIGRATION, join(dir.path, 'db', 'migrate', basename(BAD_MIGRATION)));
      const timeoutFindings = async () =>
        JSON.parse((await run(['lint', 'db', '--format', 'json'], { cwd: dir.path })).stdout).findings.filter((f: { rule: string }) => f.rule === 'require-timeouts');
      assert.notDeepEqual(await timeoutFindings(), [], 'without the initializer the migration sets no timeouts');
      writeFileSync(join(dir.path, 'config', 'initializers', 'strong_migrations.rb'), 'StrongMigrations.lock_timeout = 10.seconds\n');
      assert.deepEqual(await timeoutFindings(), []);
    } finally {
      dir.remove();
    }
  });

  test('strong_migrations safe_by_default in the initializer silences what it makes concurrent; db/schema.rb and structure.sql name a removed column\'s indexes', async () => {
    const dir = tempDir();
    try {
      mkdirSync(join(dir.path, 'config', 'initializers'), { recursive: true });
      mkdirSync(join(dir.path, 'db', 'migrate'), { recursive: true });
      writeFileSync(
        join(dir.path, 'db', 'migrate', '20240601000000_rework_messages.rb'),
        'class ReworkMessages < ActiveRecord::Migration[7.1]\n  def change\n    add_index :messages, :user_id\n    remove_column :messages, :source_id, :bigint\n  end\nend\n',
      );
      const findings = async () =>
        JSON.parse((await run(['lint', 'db/migrate', '--format', 'json'], { cwd: dir.path })).stdout)
          .findings.filter((f: { rule: string }) => f.rule.startsWith('require-concurrent-index'))
          .map((f: { rule: string; message: string }) => `${f.rule}: ${f.message.slice(0, 60)}`);
      assert.deepEqual(await findings(), ['require-concurrent-index-creation: Index built without CONCURRENTLY on "messages": writes to th']);
      writeFileSync(join(dir.path, 'config', 'initializers', 'strong_migrations.rb'), 'StrongMigrations.safe_by_default = true\n');
      assert.deepEqual(await findings(), []);
      writeFileSync(join(dir.path, 'db', 'structure.sql'), 'CREATE INDEX idx_source ON public.messages USING btree (source_id);\n');
      assert.deepEqual(await findings(), ['require-concurrent-index-deletion: Removing "source_id" from "messages" also drops its index "i']);
      writeFileSync(join(dir.path, 'db', 'schema.rb'), 'ActiveRecord::Schema[7.1].define do\n  create_table "messages" do |t|\n    t.bigint "source_id"\n    t.index ["source_id"], name: "by_source"\n  end\nend\n');
      assert.deepEqual(await findings(), ['require-concurrent-index-deletion: Removing "source_id" from "messages" also drops its index "b']);
    } finally {
      dir.remove();
    }
  });

  test('by default, a non-concurrent build or drop on a table the config calls large is an error that says why, and lint exits 1', async () => {
    const dir = tempDir();
    try {
      mkdirSync(join(dir.path, 'db', 'migrate'), { recursive: true });
      writeFileSync(join(dir.path, '.pg-index-guard.json'), JSON.stringify({ largeTables: ['messages'] }));
      writeFileSync(
        join(dir.path, 'db', 'migrate', '20240601000000_rework_message_indexes.rb'),
        // `up`: in `change`, the remove_index would also be reported for its rollback's rebuild.
        'class ReworkMessageIndexes < ActiveRecord::Migration[7.1]\n  def up\n    remove_index :messages, :status\n    add_index :messages, :user_id\n  end\nend\n',
      );
      const { code, stdout } = await run(['lint', 'db', '--format', 'json'], { cwd: dir.path });
      assert.equal(code, 1);
      const blocking = JSON.parse(stdout)
        .findings.filter((f: { rule: string }) => f.rule === CONCURRENT || f.rule === 'require-concurrent-index-deletion')
        .map((f: { rule: string; severity: string; message: string }) => [f.rule, f.severity, f.message]);
      assert.deepEqual(blocking, [
        [
          'require-concurrent-index-deletion',
          'error',
          'Index dropped without CONCURRENTLY on "messages": the drop waits for an ACCESS EXCLUSIVE lock and every query on the table queues behind it (messages: large, listed in largeTables).',
        ],
        [CONCURRENT, 'error', 'Index built without CONCURRENTLY on "messages": writes to the table are blocked for the whole build (messages: large, listed in largeTables).'],
      ]);
    } finally {
      dir.remove();
    }
  });
});

describe('help and version', () => {
  test('--help lists the commands; lint --help lists the options', async () => {
    const top = await run(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /Usage: pg-index-guard <command>/);
    assert.match(top.stdout, /\n {2}lint {2}/);
    const lint = await run(['lint', '--help']);
    assert.equal(lint.code, 0);
    for (const option of ['--format', '--config', '--fail-on', '.pg-index-guard.json', 'Exit codes']) assert.ok(lint.stdout.includes(option), option);
    assert.equal((await run(['help', 'lint'])).stdout, lint.stdout);
  });

  test('--version prints the package version', async () => {
    const { version } = await import('../../package.json');
    for (const flag of ['--version', '-v']) {
      const { code, stdout } = await run([flag]);
      assert.equal(code, 0);
      assert.equal(stdout, `${version}\n`);
    }
  });
});
