// Output formats of `pg-index-guard lint`: text (colors), github annotations, SARIF 2.1.0, GitLab Code Quality.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Ajv from 'ajv';
import { RULES } from '../../src/core/rules';
import { escapeData, escapeProperty } from '../../src/cli/lint/formats/github';
import { BROKEN_MIGRATION, GOOD_MIGRATION, makeRailsApp, run, tempDir, writeOnlyRulesConfig } from './helpers';

const CONCURRENT = 'require-concurrent-index-creation';
const ESC = '\u001b[';

describe('text format', () => {
  let app: { path: string; remove: () => void };
  let config: string;
  before(() => {
    app = makeRailsApp();
    config = writeOnlyRulesConfig(join(app.path, 'only-concurrent.json'), { [CONCURRENT]: 'default' });
  });
  after(() => app.remove());

  test('path:line:column  severity  message  rule-id, then a summary line', async () => {
    const { stdout } = await run(['lint', 'db', '--config', config], { cwd: app.path });
    assert.equal(
      stdout,
      [
        'db/migrate/20240102000000_add_index_to_messages.rb:3:5  warning  Index built without CONCURRENTLY on "messages": writes to the table are blocked for the whole build.  require-concurrent-index-creation',
        'db/migrate/20240102000000_add_index_to_messages.rb:4:5  warning  Index built without CONCURRENTLY on "contacts": writes to the table are blocked for the whole build.  require-concurrent-index-creation',
        'db/migrate/20240104000000_broken.rb:3:5  warning  Index built without CONCURRENTLY on "messages": writes to the table are blocked for the whole build.  require-concurrent-index-creation',
        'db/migrate/20240104000000_broken.rb:3:34  error  Syntax error: expected an expression for the array element. Findings below this point may be incomplete.  syntax-error',
        '',
        '4 findings (1 error, 3 warnings) in 4 files, 1 file with syntax errors.',
        // Not the broken file's: --fix leaves a file that does not parse alone.
        '2 findings have unsafe fixes (they take the migration out of its transaction or add timeouts, as the production pattern does): run with --fix --unsafe-fixes to write them.',
        '',
      ].join('\n'),
    );
  });

  test('a clean run says so', async () => {
    const { code, stdout } = await run(['lint', 'db/migrate/20240101000000_create_widgets.rb', '--config', config], { cwd: app.path });
    assert.equal(code, 0);
    assert.equal(stdout, 'No findings in 1 file.\n');
  });

  test('colors on a TTY only; NO_COLOR turns them off, FORCE_COLOR on (and wins)', async () => {
    const lint = ['lint', 'db', '--config', config];
    const colored = (out: string) => out.includes(ESC);
    assert.equal(colored((await run(lint, { cwd: app.path, tty: false })).stdout), false);
    const tty = (await run(lint, { cwd: app.path, tty: true })).stdout;
    assert.equal(colored(tty), true);
    assert.ok(tty.includes(`${ESC}33mwarning${ESC}0m`));
    assert.ok(tty.includes(`${ESC}31merror${ESC}0m`));
    assert.equal(colored((await run(lint, { cwd: app.path, tty: true, env: { NO_COLOR: '1' } })).stdout), false);
    assert.equal(colored((await run(lint, { cwd: app.path, tty: true, env: { NO_COLOR: '' } })).stdout), true, 'an empty NO_COLOR is unset');
    assert.equal(colored((await run(lint, { cwd: app.path, tty: false, env: { FORCE_COLOR: '1' } })).stdout), true);
    assert.equal(colored((await run(lint, { cwd: app.path, tty: false, env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).stdout), true);
    assert.equal(colored((await run(lint, { cwd: app.path, tty: true, env: { FORCE_COLOR: '0' } })).stdout), false);
    assert.equal(colored((await run(lint, { cwd: app.path, tty: true, env: { TERM: 'dumb' } })).stdout), false);
  });
});

describe('github format', () => {
  let dir: { path: string; remove: () => void };
  let config: string;
  before(() => {
    dir = tempDir();
    config = writeOnlyRulesConfig(join(dir.path, 'only-concurrent.json'), { [CONCURRENT]: 'default' });
  });
  after(() => dir.remove());

  test('one workflow command per finding: error / warning / notice', async () => {
    const asInfo = writeOnlyRulesConfig(join(dir.path, 'info.json'), { [CONCURRENT]: 'info' });
    const broken = await run(['lint', BROKEN_MIGRATION, '--format', 'github', '--config', asInfo], { cwd: join(BROKEN_MIGRATION, '../../..') });
    assert.equal(
      broken.stdout,
      '::notice file=db/migrate/20240104000000_broken.rb,line=3,col=5,endLine=3,endColumn=35,title=require-concurrent-index-creation::' +
        'Index built without CONCURRENTLY on "messages": writes to the table are blocked for the whole build.\n' +
        '::error file=db/migrate/20240104000000_broken.rb,line=3,col=34,endLine=3,endColumn=35,title=syntax-error::' +
        'Syntax error: expected an expression for the array element. Findings below this point may be incomplete.\n',
    );
    assert.equal(broken.code, 1);
    const warning = await run(['lint', 'db/migrate/20240102000000_add_index_to_messages.rb', '--format', 'github', '--config', config], {
      cwd: join(BROKEN_MIGRATION, '../../..'),
    });
    assert.match(warning.stdout, /^::warning file=db\/migrate\/20240102000000_add_index_to_messages\.rb,line=3,col=5,endLine=3,endColumn=42,title=require-concurrent-index-creation::Index built/);
    assert.equal(warning.stdout.split('\n').filter(Boolean).length, 2);
    assert.equal((await run(['lint', GOOD_MIGRATION, '--format', 'github', '--config', config])).stdout, '', 'no findings, no output');
  });

  test('escapes %, CR and LF in messages, and also , and : in properties', async () => {
    assert.equal(escapeData('100% done\r\nnext: a, b'), '100%25 done%0D%0Anext: a, b');
    assert.equal(escapeProperty('db/a,b:c%.rb\n'), 'db/a%2Cb%3Ac%25.rb%0A');
    mkdirSync(join(dir.path, 'odd'), { recursive: true });
    writeFileSync(join(dir.path, 'odd', '1_a,b:c.rb'), 'class A < ActiveRecord::Migration[7.1]\n  def change\n    add_index :messages, :id\n  end\nend\n');
    const { stdout } = await run(['lint', 'odd', '--format', 'github', '--config', config], { cwd: dir.path });
    assert.ok(stdout.startsWith('::warning file=odd/1_a%2Cb%3Ac.rb,line=3,col=5,'), stdout);
  });
});

describe('sarif format', () => {
  let app: { path: string; remove: () => void };
  before(() => {
    app = makeRailsApp();
  });
  after(() => app.remove());

  interface SarifLog {
    $schema: string;
    version: string;
    runs: Array<{
      tool: { driver: { name: string; version?: string; informationUri?: string; rules: Array<Record<string, any>> } };
      originalUriBaseIds?: Record<string, { uri: string }>;
      results: Array<Record<string, any>>;
    }>;
  }

  test('a valid SARIF 2.1.0 log: required fields, rule descriptors, results with locations', async () => {
    const { code, stdout } = await run(['lint', 'db', '--format', 'sarif'], { cwd: app.path });
    assert.equal(code, 1);
    const log = JSON.parse(stdout) as SarifLog;
    assert.equal(log.version, '2.1.0');
    assert.match(log.$schema, /sarif-schema-2\.1\.0\.json$|sarif-2\.1\.0/);
    assert.equal(log.runs.length, 1);
    const [sarifRun] = log.runs;
    const driver = sarifRun!.tool.driver;
    assert.equal(driver.name, 'pg-index-guard');
    assert.equal(typeof driver.version, 'string');

    // Every rule, described from its metadata, with a help link; ids unique.
    const ids = driver.rules.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const rule of RULES.values()) {
      const descriptor = driver.rules.find((r) => r.id === rule.meta.id);
      assert.ok(descriptor, rule.meta.id);
      assert.equal(descriptor.shortDescription.text, rule.meta.summary);
      assert.equal(descriptor.helpUri, `docs/rules/${rule.meta.id}.md`);
      assert.ok(['error', 'warning', 'note'].includes(descriptor.defaultConfiguration.level));
    }
    assert.ok(driver.rules.some((r) => r.id === 'syntax-error'), 'the syntax error has a descriptor too');

    assert.ok(sarifRun!.results.length > 0);
    for (const result of sarifRun!.results) {
      assert.equal(typeof result.ruleId, 'string');
      assert.equal(driver.rules[result.ruleIndex]!.id, result.ruleId, 'ruleIndex points at the descriptor');
      assert.ok(['error', 'warning', 'note'].includes(result.level), result.level);
      assert.equal(typeof result.message.text, 'string');
      assert.ok(result.message.text.length > 0);
      assert.equal(result.locations.length, 1);
      const { artifactLocation, region } = result.locations[0].physicalLocation;
      assert.match(artifactLocation.uri, /^db\/migrate\/\d+_\w+\.rb$/);
      assert.equal(artifactLocation.uriBaseId, '%SRCROOT%');
      for (const key of ['startLine', 'startColumn', 'endLine', 'endColumn']) {
        assert.ok(Number.isInteger(region[key]) && region[key] >= 1, `${key} = ${region[key]}`);
      }
      assert.ok(region.endLine > region.startLine || (region.endLine === region.startLine && region.endColumn >= region.startColumn));
    }
    assert.ok(sarifRun!.originalUriBaseIds!['%SRCROOT%']!.uri.startsWith('file:///'));
    assert.ok(sarifRun!.originalUriBaseIds!['%SRCROOT%']!.uri.endsWith('/'));

    const syntax = sarifRun!.results.find((r) => r.ruleId === 'syntax-error')!;
    assert.equal(syntax.level, 'error');
    assert.deepEqual(syntax.locations[0].physicalLocation, {
      artifactLocation: { uri: 'db/migrate/20240104000000_broken.rb', uriBaseId: '%SRCROOT%' },
      region: { startLine: 3, startColumn: 34, endLine: 3, endColumn: 35 },
    });
    const concurrent = sarifRun!.results.find((r) => r.ruleId === CONCURRENT)!;
    assert.equal(concurrent.level, 'warning');
  });

  test('a clean run is a log with no results; the descriptors of syntax errors and skipped files are always there', async () => {
    const config = writeOnlyRulesConfig(join(app.path, 'only-concurrent.json'), { [CONCURRENT]: 'default' });
    const { code, stdout } = await run(['lint', 'db/migrate/20240101000000_create_widgets.rb', '--format', 'sarif', '--config', config], { cwd: app.path });
    assert.equal(code, 0);
    const [sarifRun] = (JSON.parse(stdout) as SarifLog).runs;
    assert.deepEqual(sarifRun!.results, []);
    const ids = sarifRun!.tool.driver.rules.map((r) => r.id);
    assert.deepEqual(ids.slice(-3), ['file-skipped', 'syntax-error', 'internal-error']);
    assert.equal(ids.length, RULES.size + 3);
  });

  test('info and hint become notes; files outside the working directory get file: URIs', async () => {
    const dir = tempDir();
    try {
      const config = writeOnlyRulesConfig(join(dir.path, 'hint.json'), { [CONCURRENT]: 'hint' });
      const { stdout } = await run(['lint', join(app.path, 'db', 'migrate'), '--format', 'sarif', '--config', config], { cwd: dir.path });
      const results = (JSON.parse(stdout) as SarifLog).runs[0]!.results.filter((r) => r.ruleId === CONCURRENT);
      assert.ok(results.length > 0);
      for (const result of results) {
        assert.equal(result.level, 'note');
        const location = result.locations[0].physicalLocation.artifactLocation;
        assert.ok(location.uri.startsWith('file:///'), location.uri);
        assert.equal(location.uriBaseId, undefined);
      }
    } finally {
      dir.remove();
    }
  });
});

describe('gitlab format', () => {
  let app: { path: string; remove: () => void };
  before(() => {
    app = makeRailsApp();
  });
  after(() => app.remove());

  // GitLab's required fields, written as a JSON Schema (its source is cited in the file).
  const validateReport = new Ajv({ strict: true, strictRequired: false, allErrors: true }).compile(
    JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'cli', 'schemas', 'gitlab-code-quality.schema.json'), 'utf8')),
  );
  interface CodeQualityIssue {
    description: string;
    check_name: string;
    fingerprint: string;
    severity: string;
    location: { path: string; lines: { begin: number; end: number } };
  }

  test('a Code Quality report GitLab accepts: one issue per finding, unique fingerprints, GitLab severities', async () => {
    const { code, stdout } = await run(['lint', 'db', '--format', 'gitlab'], { cwd: app.path });
    assert.equal(code, 1);
    const report = JSON.parse(stdout) as CodeQualityIssue[];
    assert.equal(validateReport(report), true, JSON.stringify(validateReport.errors));
    const withoutLine = { ...report[0]!, location: { path: report[0]!.location.path } };
    assert.equal(validateReport([withoutLine]), false, 'the schema refuses an issue GitLab would refuse');
    assert.equal(validateReport([{ ...report[0]!, severity: 'warning' }]), false);
    const json = JSON.parse((await run(['lint', 'db', '--format', 'json'], { cwd: app.path })).stdout) as { findings: Array<Record<string, any>> };
    assert.equal(report.length, json.findings.length);
    const severity: Record<string, string> = { error: 'critical', warning: 'major', info: 'minor', hint: 'info' };
    report.forEach((issue, i) => {
      const finding = json.findings[i]!;
      assert.deepEqual(
        { check_name: issue.check_name, description: issue.description, severity: issue.severity, location: issue.location },
        {
          check_name: finding.rule,
          description: finding.message,
          severity: severity[finding.severity],
          location: { path: finding.file, lines: { begin: finding.line, end: finding.endLine } },
        },
      );
    });
    assert.equal(new Set(report.map((issue) => issue.fingerprint)).size, report.length, 'fingerprints are unique');
    const syntax = report.find((issue) => issue.check_name === 'syntax-error')!;
    assert.deepEqual(syntax.location, { path: 'db/migrate/20240104000000_broken.rb', lines: { begin: 3, end: 3 } });
    assert.equal(syntax.severity, 'critical');
  });

  test('a fingerprint stays when lines are added above the finding, and two equal findings in a file keep two', async () => {
    const file = 'db/migrate/20240102000000_add_index_to_messages.rb';
    const config = writeOnlyRulesConfig(join(app.path, 'only-concurrent.json'), { [CONCURRENT]: 'default' });
    const lint = async () => JSON.parse((await run(['lint', file, '--format', 'gitlab', '--config', config], { cwd: app.path })).stdout) as CodeQualityIssue[];
    const before = await lint();
    const path = join(app.path, file);
    writeFileSync(path, `# a comment added above\n\n${readFileSync(path, 'utf8')}`);
    const after = await lint();
    assert.deepEqual(after.map((issue) => issue.fingerprint), before.map((issue) => issue.fingerprint));
    assert.deepEqual(after.map((issue) => issue.location.lines.begin), before.map((issue) => issue.location.lines.begin + 2));

    const twice = join(app.path, 'db', 'migrate', '20240105000000_twice.rb');
    writeFileSync(twice, 'class Twice < ActiveRecord::Migration[7.1]\n  def change\n    add_index :messages, :a\n    add_index :messages, :a\n  end\nend\n');
    const repeated = JSON.parse((await run(['lint', twice, '--format', 'gitlab', '--config', config], { cwd: app.path })).stdout) as CodeQualityIssue[];
    assert.equal(repeated.length, 2);
    assert.equal(repeated[0]!.description, repeated[1]!.description);
    assert.notEqual(repeated[0]!.fingerprint, repeated[1]!.fingerprint);
  });

  test('a clean run is an empty report', async () => {
    const config = writeOnlyRulesConfig(join(app.path, 'only-concurrent.json'), { [CONCURRENT]: 'default' });
    const { code, stdout } = await run(['lint', 'db/migrate/20240101000000_create_widgets.rb', '--format', 'gitlab', '--config', config], { cwd: app.path });
    assert.equal(code, 0);
    assert.equal(stdout, '[]\n');
    assert.equal(validateReport(JSON.parse(stdout)), true);
  });
});
