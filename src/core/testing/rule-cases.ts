// Table-driven rule tests: every rule test file describes valid cases (must stay silent)
// and invalid cases (exact findings and the text after applying the first fix).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultContext, type LintContext, type LintSettings } from '../lint-context';
import { applyEdits } from '../fixes/fix';
import { lint, loadParsers, parseMigration, type MigrationLanguage } from '../lint';
import type { SqlParseOptions } from '../parsers/sql/parse-sql-migration';
import { lineStarts, positionAt } from '../parsers/source-text';

export interface ValidCase {
  name: string;
  source: string;
  language?: MigrationLanguage;
  /** The file's path (a Flyway `V1__x.sql`, a golang-migrate `1_x.up.sql`); a neutral one by default. */
  path?: string;
  settings?: Partial<LintSettings>;
  /** What else the linter knows: `schema` (db/schema.rb), `database` facts. Settings go in `settings`. */
  context?: Omit<Partial<LintContext>, 'settings'>;
  /** How the SQL file runs (`runner`, Flyway's `sidecarConfig`), as lintSource takes them. */
  sqlOptions?: SqlParseOptions;
}

export interface InvalidCase extends ValidCase {
  /** Expected findings of this rule, as `line:column-line:column` (1-based) and severity. */
  findings: Array<{ at: string; severity?: string; message?: RegExp }>;
  /** The text after applying the first fix of the first finding; omit when the rule has no fix. */
  fixed?: string;
  /** The paths of the files that fix creates (a split); omit to leave them unchecked. */
  newFiles?: string[];
  /** Title and safety of that fix. */
  fix?: { title?: RegExp; safety?: 'safe' | 'unsafe'; suggestion?: boolean };
  /** The first finding offers no fix at all. */
  noFix?: boolean;
}

export function ruleCases(ruleId: string, cases: { valid: ValidCase[]; invalid: InvalidCase[] }): void {
  const run = async (c: ValidCase) => {
    const language = c.language ?? 'ruby';
    const parsers = await loadParsers(['ruby', 'sql', language]);
    const path = c.path ?? (language === 'ruby' ? 'db/migrate/20240101000000_case.rb' : 'migrations/001_case.sql');
    const context: LintContext = { ...defaultContext(c.settings), ...c.context };
    const sqlOptions = context.settings.sqlRunner ? { defaultRunner: context.settings.sqlRunner, ...c.sqlOptions } : c.sqlOptions;
    const file = parseMigration(path, c.source, language, parsers, sqlOptions);
    assert.ok(file, 'the source should parse into a migration');
    const findings = lint(file, context).filter((f) => f.ruleId === ruleId);
    return { file, findings };
  };
  for (const c of cases.valid) {
    test(`${ruleId} valid: ${c.name}`, async () => {
      const { findings } = await run(c);
      assert.deepEqual(findings.map((f) => f.message), []);
    });
  }
  for (const c of cases.invalid) {
    test(`${ruleId} invalid: ${c.name}`, async () => {
      const { file, findings } = await run(c);
      const starts = lineStarts(file.source);
      const at = (offset: number) => {
        const p = positionAt(starts, offset);
        return `${p.line + 1}:${p.column + 1}`;
      };
      assert.deepEqual(
        findings.map((f) => `${at(f.range.start)}-${at(f.range.end)}`),
        c.findings.map((f) => f.at),
      );
      c.findings.forEach((expected, i) => {
        if (expected.severity) assert.equal(findings[i]!.severity, expected.severity);
        if (expected.message) assert.match(findings[i]!.message, expected.message);
      });
      if (c.noFix) assert.deepEqual(findings[0]!.fixes, [], 'the finding should offer no fix');
      if (c.fixed !== undefined) {
        const fix = findings[0]!.fixes[0];
        assert.ok(fix, 'the finding should carry a fix');
        if (c.fix?.title) assert.match(fix.title, c.fix.title);
        if (c.fix?.safety) assert.equal(fix.safety, c.fix.safety);
        if (c.fix?.suggestion !== undefined) assert.equal(fix.suggestion === true, c.fix.suggestion);
        assert.equal(applyEdits(file.source, fix.edits), c.fixed);
        if (c.newFiles) assert.deepEqual(fix.newFiles?.map((f) => f.path) ?? [], c.newFiles);
      }
    });
  }
}
