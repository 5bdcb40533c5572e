// The real thing: `node dist/cli.js` after `node scripts/build.mjs` — exit codes, no WASI
// warning, WASM found beside the bundle, and the same report from worker threads.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeRailsCorpus } from '../../scripts/bench/rails-corpus';
import { BAD_MIGRATION, BROKEN_MIGRATION, CREATE_TABLE_MIGRATION, FIXTURES, RAILS_APP, ROOT, tempDir } from './helpers';

const CLI = join(ROOT, 'dist', 'cli.js');

function cli(args: string[], options: { cwd?: string; env?: Record<string, string>; bundle?: string } = {}) {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
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

describe('the bundled CLI', () => {
  before(() => {
    const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, `build failed:\n${build.stdout}${build.stderr}`);
  });

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
      ['-e', `require(${JSON.stringify(CLI)}); process.emitWarning('something else', 'DeprecationWarning');`],
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

  test('loads its WASM parsers from beside the bundle (a copy of dist/ far from node_modules works)', () => {
    const dir = tempDir();
    try {
      for (const file of ['cli.js', 'prism.wasm', 'libpg-query.wasm']) copyFileSync(join(ROOT, 'dist', file), join(dir.path, file));
      const ruby = cli(['lint', BAD_MIGRATION, '--format', 'json'], { bundle: join(dir.path, 'cli.js'), cwd: dir.path });
      assert.equal(ruby.stderr, '');
      assert.ok(JSON.parse(ruby.stdout).findings.some((f: { rule: string }) => f.rule === 'require-concurrent-index-creation'));
      const sql = cli(['lint', join(FIXTURES, 'sql'), '--format', 'json'], { bundle: join(dir.path, 'cli.js'), cwd: dir.path });
      assert.equal(sql.stderr, '');
      assert.ok(JSON.parse(sql.stdout).findings.some((f: { rule: string }) => f.rule === 'require-concurrent-index-creation'));
    } finally {
      dir.remove();
    }
  });

  describe('on worker threads', () => {
    let corpus: { path: string; remove: () => void };
    before(() => {
      corpus = tempDir();
      writeRailsCorpus(corpus.path, 400, 7);
    });
    after(() => corpus.remove());

    test('gives exactly the report of one thread, in the same order', () => {
      const one = cli(['lint', 'db', '--format', 'json'], { cwd: corpus.path, env: { PG_INDEX_GUARD_THREADS: '1' } });
      const three = cli(['lint', 'db', '--format', 'json'], { cwd: corpus.path, env: { PG_INDEX_GUARD_THREADS: '3' } });
      assert.equal(three.stderr, '');
      assert.equal(three.code, one.code);
      assert.equal(JSON.parse(one.stdout).summary.files, 400);
      assert.ok(JSON.parse(one.stdout).summary.findings > 100);
      assert.equal(three.stdout, one.stdout);
    });
  });
});
