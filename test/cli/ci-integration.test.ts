// The CI wrappers at the repository's root: the composite GitHub Action (action.yml) and the
// pre-commit hook (.pre-commit-hooks.yaml). Both are parsed; the action's own bash steps are run
// in a git repository with a pull request's history, with `npx` on PATH running this CLI, so the
// command they build must exist in the CLI and lint what the change touched.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { run, tempDir } from './helpers';

const ROOT = resolve(__dirname, '..', '..');

interface ActionStep {
  id?: string;
  name?: string;
  if?: string;
  shell: string;
  env?: Record<string, string>;
  run: string;
  'working-directory'?: string;
}
interface Action {
  runs: { using: string; steps: ActionStep[] };
  inputs: Record<string, { description: string; default?: string }>;
}
const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as Action;

const UNSAFE = (name: string) => `class ${name} < ActiveRecord::Migration[7.1]\n  def change\n    add_index :messages, :${name.toLowerCase()}_id\n  end\nend\n`;

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

/** `${{ inputs.x }}`-style expressions of the action, from the values GitHub would give. */
function evaluate(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, name: string) => {
    assert.ok(Object.hasOwn(values, name), `the test knows ${name}`);
    return values[name]!;
  });
}

describe('GitHub Action (action.yml)', () => {
  let dir: { path: string; remove: () => void };
  let repo: string;
  let bin: string;
  before(() => {
    dir = tempDir('pg-index-guard-action-');
    // `npx --yes pg-index-guard[@version] <args>` runs this checkout's CLI.
    bin = join(dir.path, 'bin');
    mkdirSync(bin);
    const loader = pathToFileURL(require.resolve('tsx')).href;
    writeFileSync(
      join(bin, 'npx'),
      `#!/bin/bash\nwhile [[ "$1" == --* ]]; do shift; done\n[[ "$1" == pg-index-guard || "$1" == pg-index-guard@* ]] || { echo "npx: unexpected package $1" >&2; exit 99; }\nshift\nexec "${process.execPath}" --import "${loader}" --no-warnings "${join(ROOT, 'src', 'cli', 'main.ts')}" "$@"\n`,
    );
    chmodSync(join(bin, 'npx'), 0o755);
    // origin: main has an old unsafe migration; the pull request adds one, and a model.
    const origin = join(dir.path, 'origin.git');
    git(dir.path, 'init', '--bare', origin);
    repo = join(dir.path, 'app');
    git(dir.path, 'clone', origin, repo);
    mkdirSync(join(repo, 'db', 'migrate'), { recursive: true });
    mkdirSync(join(repo, 'app', 'models'), { recursive: true });
    writeFileSync(join(repo, 'db', 'migrate', '20240101000000_old.rb'), UNSAFE('Old'));
    git(repo, 'add', '.');
    git(repo, 'commit', '-m', 'main');
    git(repo, 'push', 'origin', 'main');
    git(repo, 'checkout', '-b', 'feature');
    writeFileSync(join(repo, 'db', 'migrate', '20240201000000_new.rb'), UNSAFE('New'));
    writeFileSync(join(repo, 'app', 'models', 'message.rb'), 'class Message < ApplicationRecord\nend\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-m', 'feature');
  });
  after(() => dir.remove());

  /** Runs the action's steps as GitHub would for a pull request against main (or a push when base_ref is empty). */
  function runAction(inputs: Record<string, string>, github: { base_ref: string; before?: string }) {
    const temp = join(dir.path, `runner-${Math.random().toString(36).slice(2)}`);
    mkdirSync(temp);
    const outputFile = join(temp, 'output');
    writeFileSync(outputFile, '');
    const values: Record<string, string> = {
      'github.base_ref': github.base_ref,
      'github.event.before': github.before ?? '',
      'runner.temp': temp,
    };
    for (const [name, input] of Object.entries(action.inputs)) values[`inputs.${name}`] = inputs[name] ?? input.default ?? '';
    const outputs: Record<string, string> = {};
    let stdout = '';
    let code = 0;
    for (const step of action.runs.steps) {
      if (step.if !== undefined) {
        assert.equal(step.if, "steps.files.outputs.count != '0'");
        if (outputs.count === '0') continue;
      }
      assert.equal(step.shell, 'bash');
      assert.doesNotMatch(step.run, /\$\{\{/, 'inputs reach the script through env only (no injection into its text)');
      const env: Record<string, string> = { PATH: `${bin}:${process.env.PATH}`, HOME: dir.path, GITHUB_OUTPUT: outputFile };
      for (const [name, value] of Object.entries(step.env ?? {})) env[name] = evaluate(value, values);
      const result = spawnSync('bash', ['-e', '-c', step.run], { cwd: join(repo, evaluate(step['working-directory'] ?? '.', values)), env, encoding: 'utf8' });
      stdout += result.stdout;
      code = result.status ?? -1;
      for (const line of readFileSync(outputFile, 'utf8').split('\n')) {
        const at = line.indexOf('=');
        if (at > 0) outputs[line.slice(0, at)] = line.slice(at + 1);
      }
      if (code !== 0) {
        stdout += result.stderr;
        break;
      }
    }
    return { code, stdout, outputs };
  }

  test('is a composite action with inputs for paths, config and fail-on', () => {
    assert.equal(action.runs.using, 'composite');
    for (const input of ['paths', 'config', 'fail-on', 'changed-only', 'version']) assert.ok(action.inputs[input]?.description, input);
    assert.equal(action.inputs['fail-on']!.default, 'error');
    assert.match(action.runs.steps.at(-1)!.run, /npx --yes "pg-index-guard[^"]*" lint "\$\{options\[@\]\}"/);
    assert.match(action.runs.steps.at(-1)!.run, /--format github/);
  });

  test('a pull request: lints the migrations it changed, with annotations, and fails on --fail-on', async () => {
    const warned = runAction({}, { base_ref: 'main' });
    assert.equal(warned.outputs.count, '1');
    assert.equal(warned.code, 0, warned.stdout);
    assert.match(warned.stdout, /^::warning file=db\/migrate\/20240201000000_new\.rb,line=3,.*title=require-concurrent-index-creation::/m);
    assert.doesNotMatch(warned.stdout, /20240101000000_old/, 'the migration already on main is not linted');

    const failed = runAction({ 'fail-on': 'warning' }, { base_ref: 'main' });
    assert.equal(failed.code, 1, failed.stdout);

    writeFileSync(join(repo, 'quiet.json'), JSON.stringify({ rules: { 'require-concurrent-index-creation': 'off', 'require-timeouts': 'off' } }));
    const configured = runAction({ 'fail-on': 'hint', config: 'quiet.json' }, { base_ref: 'main' });
    assert.doesNotMatch(configured.stdout, /require-concurrent-index-creation|require-timeouts/, configured.stdout);
  });

  test('a push: lints what the push changed; changed-only false lints every migration under paths', () => {
    const previous = git(repo, 'rev-parse', 'main').trim();
    const push = runAction({}, { base_ref: '', before: previous });
    assert.equal(push.outputs.count, '1');
    assert.match(push.stdout, /20240201000000_new\.rb/);

    const all = runAction({ 'changed-only': 'false' }, { base_ref: 'main' });
    assert.equal(all.outputs.count, '1', 'the folder itself');
    assert.match(all.stdout, /20240101000000_old\.rb/);
    assert.match(all.stdout, /20240201000000_new\.rb/);
  });

  test('no migration changed: the lint step is skipped', () => {
    const head = git(repo, 'rev-parse', 'HEAD').trim();
    const nothing = runAction({}, { base_ref: '', before: head });
    assert.equal(nothing.outputs.count, '0');
    assert.equal(nothing.code, 0);
    assert.doesNotMatch(nothing.stdout, /::warning/);
  });
});

describe('pre-commit hook (.pre-commit-hooks.yaml)', () => {
  const hooks = parse(readFileSync(join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Array<Record<string, any>>;
  const hook = hooks.find((h) => h.id === 'pg-index-guard')!;

  test('runs pg-index-guard lint on staged migrations only', () => {
    assert.ok(hook, 'a pg-index-guard hook');
    assert.equal(hook.language, 'system');
    assert.equal(hook.pass_filenames, true);
    const files = new RegExp(hook.files as string);
    const exclude = new RegExp(hook.exclude as string);
    const picked = (path: string) => files.test(path) && !exclude.test(path);
    for (const path of ['db/migrate/20240101000000_add_index.rb', 'engines/billing/db/migrate/1_a.rb', 'migrations/001_init.sql', 'db/migrations/2024/002_idx.sql', 'db/migrate/20240101000000_add_index.sql']) {
      assert.ok(picked(path), path);
    }
    for (const path of ['app/models/message.rb', 'db/schema.rb', 'db/structure.sql', 'db/migrate/nested/README.md', 'config/routes.rb']) assert.ok(!picked(path), path);
  });

  test('its entry is a command of the CLI, taking file names', async () => {
    const [npx, yes, bin, command, ...rest] = (hook.entry as string).split(' ');
    assert.deepEqual([npx, yes, bin, command, rest], ['npx', '--yes', 'pg-index-guard', 'lint', []]);
    const dir = tempDir();
    try {
      mkdirSync(join(dir.path, 'db', 'migrate'), { recursive: true });
      writeFileSync(join(dir.path, 'db', 'migrate', '20240101000000_a.rb'), UNSAFE('A'));
      const result = await run([command!, 'db/migrate/20240101000000_a.rb', '--fail-on', 'warning'], { cwd: dir.path });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stdout, /require-concurrent-index-creation/);
    } finally {
      dir.remove();
    }
  });
});
