// The real thing: `node dist/cli.js` after `node scripts/build.mjs` — exit codes, no WASI
// warning, WASM found beside the bundle, and the same report from worker threads.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
// @ts-expect-error plain ESM helper shared with the packaging scripts
import { CLI_FILES } from '../../scripts/lib/stage.mjs';
import { writeRailsCorpus } from '../../scripts/bench/rails-corpus';
import { writeSqlCorpus } from '../../scripts/bench/sql';
import { BAD_MIGRATION, BROKEN_MIGRATION, CREATE_TABLE_MIGRATION, FIXTURES, RAILS_APP, ROOT, RUBY_NESTINGS, nestedMigration, tempDir } from './helpers';

const CLI = join(ROOT, 'dist', 'cli.js');
/** What the launcher (CLI) loads: the CLI itself. */
const CLI_MAIN = join(ROOT, 'dist', 'cli-main.js');

function cli(args: string[], options: { cwd?: string; env?: Record<string, string>; bundle?: string } = {}) {
  // The code cache goes to a folder of this suite's (see 'keeps V8's code cache') unless a test says otherwise.
  const env: Record<string, string | undefined> = { ...process.env, PG_INDEX_GUARD_CACHE_DIR: codeCache, ...options.env };
  delete env['FORCE_COLOR'];
  delete env['NODE_OPTIONS'];
  const result = spawnSync(process.execPath, [options.bundle ?? CLI, ...args], {
    cwd: options.cwd ?? RAILS_APP,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let codeCache = '';

describe('the bundled CLI', () => {
  let cacheDir: { path: string; remove: () => void };
  before(() => {
    cacheDir = tempDir();
    codeCache = join(cacheDir.path, 'cache');
    const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, `build failed:\n${build.stdout}${build.stderr}`);
  });
  after(() => cacheDir.remove());

  test('is an executable with a shebang', () => {
    assert.ok(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n'));
  });

  test('exit 0 / 1 / 2, and no WASI ExperimentalWarning on stderr', () => {
    const clean = cli(['lint', CREATE_TABLE_MIGRATION]);
    assert.equal(clean.code, 0, clean.stderr);
    assert.equal(clean.stderr, '');
    assert.equal(clean.stdout, 'No findings in 1 file.\n');

    const broken = cli(['lint', BROKEN_MIGRATION, '--format', 'json']);
    assert.equal(broken.code, 1);
    assert.equal(broken.stderr, '');
    assert.equal(JSON.parse(broken.stdout).summary.parseErrors, 1);

    const failOn = cli(['lint', BAD_MIGRATION, '--fail-on', 'warning']);
    assert.equal(failOn.code, 1);

    const usage = cli(['lint', 'nope.rb']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /Cannot lint nope\.rb: no such file or directory/);
    assert.doesNotMatch(usage.stderr, /ExperimentalWarning|WASI/);

    const badConfig = cli(['lint', BAD_MIGRATION, '--config', join(FIXTURES, 'configs', 'unknown-rule.json')]);
    assert.equal(badConfig.code, 2);
    assert.match(badConfig.stderr, /unknown rule id/);
  });

  test('other warnings still show', () => {
    const result = spawnSync(
      process.execPath,
      ['-e', `require(${JSON.stringify(CLI_MAIN)}); process.emitWarning('something else', 'DeprecationWarning');`],
      { encoding: 'utf8' },
    );
    assert.match(result.stderr, /DeprecationWarning: something else/);
  });

  test('--version and --help', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(cli(['--version']).stdout, `${version}\n`);
    const help = cli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /lint/);
  });

  test('loads its WASM parsers and its database commands from beside the bundle (a copy of dist/ far from node_modules works)', () => {
    const dir = tempDir();
    try {
      for (const file of CLI_FILES) copyFileSync(join(ROOT, 'dist', file), join(dir.path, file));
      const ruby = cli(['lint', BAD_MIGRATION, '--format', 'json'], { bundle: join(dir.path, 'cli.js'), cwd: dir.path });
      assert.equal(ruby.stderr, '');
      assert.ok(JSON.parse(ruby.stdout).findings.some((f: { rule: string }) => f.rule === 'require-concurrent-index-creation'));
      const sql = cli(['lint', join(FIXTURES, 'sql'), '--format', 'json'], { bundle: join(dir.path, 'cli.js'), cwd: dir.path });
      assert.equal(sql.stderr, '');
      assert.ok(JSON.parse(sql.stdout).findings.some((f: { rule: string }) => f.rule === 'require-concurrent-index-creation'));

      // The database commands live in cli-commands.js, with their own copy of the CLI's error
      // classes: a usage error from there is still a one-line usage error, not an internal one.
      const unconfigured = cli(['status'], { bundle: join(dir.path, 'cli.js'), cwd: dir.path, env: { DATABASE_URL: '' } });
      assert.equal(unconfigured.code, 2);
      assert.match(unconfigured.stderr, /^pg-index-guard status: No database connection is configured/);
      assert.doesNotMatch(unconfigured.stderr, /internal error/);
      const noServer = cli(['check-missing', '--database-url', 'postgres://nobody@127.0.0.1:1/none?sslmode=disable'], { bundle: join(dir.path, 'cli.js'), cwd: dir.path });
      assert.equal(noServer.code, 2);
      assert.match(noServer.stderr, /Cannot connect to nobody@127\.0\.0\.1:1\/none/);
    } finally {
      dir.remove();
    }
  });

  test('a lint run never reads the database commands\' code', () => {
    const result = spawnSync(
      process.execPath,
      ['-e', `require(${JSON.stringify(CLI_MAIN)}).runCli(['lint', ${JSON.stringify(CREATE_TABLE_MIGRATION)}], { stdout() {}, stderr() {}, cwd: process.cwd(), env: {}, stdoutIsTTY: false }).then(() => console.log(Object.keys(require.cache).map((f) => f.split(/[\\\\/]/).pop()).join(',')));`],
      { encoding: 'utf8', cwd: RAILS_APP },
    );
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split(','), ['cli-main.js']);
  });

  test("keeps Node's compile cache of the CLI in its cache folder where Node has one (22+), none elsewhere; the same output either way", () => {
    const dir = tempDir();
    try {
      const folder = join(dir.path, 'nested', 'cache');
      const lint = (env: Record<string, string>) => cli(['lint', BAD_MIGRATION, '--format', 'json'], { env });
      const plain = lint({ PG_INDEX_GUARD_CACHE_DIR: '' });
      assert.equal(plain.stderr, '');
      assert.ok(JSON.parse(plain.stdout).findings.length > 0);
      assert.deepEqual(readdirSync(dir.path), [], 'an empty PG_INDEX_GUARD_CACHE_DIR means no cache');

      assert.deepEqual(lint({ PG_INDEX_GUARD_CACHE_DIR: folder }), plain);
      assert.deepEqual(lint({ PG_INDEX_GUARD_CACHE_DIR: folder }), plain, 'with the cache of the first run');
      const nodeHasCompileCache = typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === 'function';
      assert.equal(existsSync(folder), nodeHasCompileCache, `Node ${process.version}`);
      // A cache folder that cannot be made only costs the cache.
      writeFileSync(join(dir.path, 'a-file'), '');
      assert.deepEqual(lint({ PG_INDEX_GUARD_CACHE_DIR: join(dir.path, 'a-file', 'cache') }), plain);
    } finally {
      dir.remove();
    }
  });

  test("two copies of the CLI sharing a cache folder: a stack trace names the copy that runs, never the other", () => {
    const dir = tempDir();
    try {
      const cache = join(dir.path, 'cache');
      const [a, b] = ['checkout-a', 'checkout-b'].map((name) => {
        mkdirSync(join(dir.path, name));
        for (const file of CLI_FILES) copyFileSync(join(ROOT, 'dist', file), join(dir.path, name, file));
        return join(dir.path, name);
      }) as [string, string];
      const first = cli(['lint', BAD_MIGRATION], { bundle: join(a, 'cli.js'), env: { PG_INDEX_GUARD_CACHE_DIR: cache } });
      assert.equal(first.code, 0, first.stderr);
      // A broken installation: the internal error prints its stack.
      rmSync(join(b, 'prism.wasm'));
      const broken = cli(['lint', BAD_MIGRATION], { bundle: join(b, 'cli.js'), env: { PG_INDEX_GUARD_CACHE_DIR: cache } });
      assert.match(broken.stderr, /internal error/);
      assert.ok(broken.stderr.includes(join(b, 'cli-main.js:')), broken.stderr);
      assert.ok(!broken.stderr.includes(a), broken.stderr);
    } finally {
      dir.remove();
    }
  });

  test('no V8 flag is changed at run time', () => {
    const sources = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
    assert.ok(sources.length > 100);
    assert.deepEqual(sources.filter((file) => readFileSync(join(ROOT, 'src', file), 'utf8').includes('setFlagsFromString')), []);
    assert.ok(!readFileSync(CLI_MAIN, 'utf8').includes('setFlagsFromString'));
  });

  describe('on worker threads', () => {
    let corpus: { path: string; remove: () => void };
    before(() => {
      corpus = tempDir();
      writeRailsCorpus(corpus.path, 400, 7);
      // SQL too, a few files of which need libpg-query (loaded only then, in whichever thread).
      writeSqlCorpus(join(corpus.path, 'db'), 300, 11);
      for (let i = 0; i < 5; i++) {
        writeFileSync(
          join(corpus.path, 'db', 'migrations', `2030010100000${i}_grants.sql`),
          `GRANT SELECT ON messages TO app_${i};\nCREATE INDEX index_messages_on_lower_email_${i} ON messages ((lower(email)));\n`,
        );
      }
    });
    after(() => corpus.remove());

    test('gives exactly the report of one thread, in the same order', () => {
      const one = cli(['lint', 'db', '--format', 'json'], { cwd: corpus.path, env: { PG_INDEX_GUARD_THREADS: '1' } });
      const three = cli(['lint', 'db', '--format', 'json'], { cwd: corpus.path, env: { PG_INDEX_GUARD_THREADS: '3' } });
      assert.equal(three.stderr, '');
      assert.equal(three.code, one.code);
      assert.equal(JSON.parse(one.stdout).summary.files, 705);
      const grants = JSON.parse(one.stdout).findings.filter((f: { file: string }) => f.file.endsWith('_grants.sql'));
      assert.deepEqual([...new Set(grants.map((f: { rule: string }) => f.rule))].sort(), ['require-concurrent-index-creation', 'require-timeouts']);
      assert.ok(JSON.parse(one.stdout).summary.findings > 100);
      assert.equal(three.stdout, one.stdout);
    });

    test('every format: the findings a helper thread renders come out as one thread renders them', () => {
      for (const format of ['text', 'sarif', 'github']) {
        const one = cli(['lint', 'db', '--format', format], { cwd: corpus.path, env: { PG_INDEX_GUARD_THREADS: '1' } });
        const three = cli(['lint', 'db', '--format', format], { cwd: corpus.path, env: { PG_INDEX_GUARD_THREADS: '3' } });
        assert.equal(three.stderr, '', format);
        assert.ok(one.stdout.split('\n').length > 100, format);
        assert.equal(three.stdout, one.stdout, format);
      }
    });

    test('a file too deeply nested for Prism, in any thread, leaves the files after it in that thread linted', () => {
      const app = tempDir();
      try {
        const migrate = join(app.path, 'db', 'migrate');
        mkdirSync(migrate, { recursive: true });
        // Every seventh file is too deep: each batch of files (whichever thread takes it) meets some.
        const files = 700;
        let deep = 0;
        for (let i = 0; i < files; i++) {
          const tooDeep = i % 7 === 0;
          if (tooDeep) deep++;
          const nesting = RUBY_NESTINGS['parentheses']!(tooDeep ? 5_000 : 1 + (i % 260));
          writeFileSync(join(migrate, `${20240101000000 + i}_nested_${i}.rb`), nestedMigration(`Nested${i}`, nesting));
        }
        const three = cli(['lint', 'db', '--format', 'json'], { cwd: app.path, env: { PG_INDEX_GUARD_THREADS: '3' } });
        const report = JSON.parse(three.stdout);
        const byRule = (rule: string) => report.findings.filter((f: { rule: string }) => f.rule === rule).length;
        assert.equal(report.summary.files, files);
        assert.equal(byRule('internal-error'), deep);
        assert.equal(byRule('require-concurrent-index-creation'), files - deep);
        assert.equal(three.code, 2);
        assert.match(three.stderr, new RegExp(`^${deep} files were not linted`));
        const one = cli(['lint', 'db', '--format', 'json'], { cwd: app.path, env: { PG_INDEX_GUARD_THREADS: '1' } });
        assert.equal(one.stdout, three.stdout);
      } finally {
        app.remove();
      }
    });
  });
});
