// Measured against the peer: squawk (https://squawkhq.com) over the same SQL migrations as our
// core. Every index finding squawk reports must be ours too (same rule, same statement), except
// the listed cases where squawk is wrong (or asks for something outside the index rules), each
// asserted on its own: squawk reports it, we do not, and why.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { defaultContext } from '../../src/core/lint-context';
import { lintSource, loadParsers, type Parsers } from '../../src/core/lint';
import type { MigrationFile, Operation } from '../../src/core/model/migration';
import { lineStarts, positionAt } from '../../src/core/parsers/source-text';
import type { Finding } from '../../src/core/rules/rule';
import { runSquawk, type SquawkFinding } from './squawk';

const FIXTURES = join(__dirname, '..', 'fixtures', 'sql');

/** squawk's rule -> ours. squawk splits the timeouts into two rules; we have one. */
const RULE_MAP: Record<string, string> = {
  'require-concurrent-index-creation': 'require-concurrent-index-creation',
  'require-concurrent-index-deletion': 'require-concurrent-index-deletion',
  'ban-concurrent-index-creation-in-transaction': 'ban-concurrent-index-creation-in-transaction',
  'prefer-robust-stmts': 'prefer-robust-stmts',
  'require-concurrent-reindex': 'require-concurrent-reindex',
  'disallowed-unique-constraint': 'disallowed-unique-constraint',
  'require-lock-timeout': 'require-timeouts',
  'require-statement-timeout': 'require-timeouts',
};

/** Runners that wrap each file in a transaction: such a project sets squawk's assume_in_transaction. */
const TRANSACTIONAL_RUNNERS = new Set(['goose', 'dbmate', 'atlas', 'postgres-migrations', 'flyway']);

/** A squawk finding, by file, its statement's first line (1-based) and squawk's rule. */
interface Difference {
  file: string;
  line: number;
  squawkRule: string;
  reason: string;
}

const TABLE_CREATED_HERE =
  'the table is created earlier in the same file, so it is empty and nobody else can use it yet: nothing waits on the build. ' +
  'squawk only knows that inside a transaction.';

const DIFFERENCES: Difference[] = [
  {
    file: '001_add_index_messages_conversation_id.sql',
    line: 2,
    squawkRule: 'prefer-robust-stmts',
    reason: 'a lone blocking CREATE INDEX run by itself is atomic: when it fails it leaves nothing behind, so a retry passes without IF NOT EXISTS',
  },
  { file: '006_create_table_then_index.sql', line: 8, squawkRule: 'require-concurrent-index-creation', reason: TABLE_CREATED_HERE },
  { file: '006_create_table_then_index.sql', line: 9, squawkRule: 'require-concurrent-index-creation', reason: TABLE_CREATED_HERE },
  { file: '006_create_table_then_index.sql', line: 8, squawkRule: 'require-lock-timeout', reason: TABLE_CREATED_HERE },
  { file: '006_create_table_then_index.sql', line: 8, squawkRule: 'require-statement-timeout', reason: TABLE_CREATED_HERE },
  {
    file: '007_create_table_and_index_in_transaction.sql',
    line: 8,
    squawkRule: 'require-lock-timeout',
    reason: 'the table is created earlier in the same transaction: no other session can see it, so its index build waits on nobody and blocks nobody',
  },
  {
    file: '007_create_table_and_index_in_transaction.sql',
    line: 8,
    squawkRule: 'require-statement-timeout',
    reason: 'the table is created earlier in the same transaction: its index is built over an empty table',
  },
  {
    file: '008_unique_constraint_on_contacts.sql',
    line: 1,
    squawkRule: 'prefer-robust-stmts',
    reason:
      'squawk asks for a transaction around ALTER TABLE ... ADD CONSTRAINT, which has no IF NOT EXISTS: outside the index rules, ' +
      'whose prefer-robust-stmts guards index creations and drops; the blocking constraint itself is our disallowed-unique-constraint finding',
  },
  {
    file: '008_unique_constraint_on_contacts.sql',
    line: 6,
    squawkRule: 'prefer-robust-stmts',
    reason: 'ADD CONSTRAINT ... USING INDEX only attaches the index built before it, in a moment; no IF NOT EXISTS exists for it (outside the index rules)',
  },
  {
    file: '009_partitioned_parent_index.sql',
    line: 2,
    squawkRule: 'require-concurrent-index-creation',
    reason: 'CREATE INDEX ... ON ONLY a partitioned parent builds nothing (the index starts INVALID until partitions are attached) and Postgres refuses CONCURRENTLY there',
  },
  { file: '014_public_schema_table_created_here.sql', line: 6, squawkRule: 'require-concurrent-index-creation', reason: `public.labels is labels: ${TABLE_CREATED_HERE}` },
  { file: '014_public_schema_table_created_here.sql', line: 6, squawkRule: 'require-lock-timeout', reason: TABLE_CREATED_HERE },
  { file: '014_public_schema_table_created_here.sql', line: 6, squawkRule: 'require-statement-timeout', reason: TABLE_CREATED_HERE },
  {
    file: '014_public_schema_table_created_here.sql',
    line: 6,
    squawkRule: 'prefer-robust-stmts',
    reason: 'the index is on a table the file creates without IF NOT EXISTS: a retry stops at CREATE TABLE anyway, and the new table holds no data to keep',
  },
  {
    file: '20240110120000_goose_no_transaction.sql',
    line: 3,
    squawkRule: 'ban-concurrent-index-creation-in-transaction',
    reason: 'the file says `-- +goose NO TRANSACTION`: goose runs it outside a transaction, which squawk cannot see per file (assume_in_transaction is project-wide)',
  },
  {
    file: '20240112120000_dbmate_concurrent.sql',
    line: 2,
    squawkRule: 'ban-concurrent-index-creation-in-transaction',
    reason: 'the up section says `-- migrate:up transaction:false`: dbmate runs it outside a transaction, which squawk cannot see per file',
  },
];

interface FixtureResult {
  file: MigrationFile;
  ours: Finding[];
  squawk: SquawkFinding[];
}

const results = new Map<string, FixtureResult>();
let parsers: Parsers;

const lineOf = (source: string, offset: number) => positionAt(lineStarts(source), offset).line + 1;

function isIndexOperation(operation: Operation): boolean {
  return ['createIndex', 'dropIndex', 'reindex', 'addUniqueConstraint'].includes(operation.kind);
}

/** The index operation a squawk finding points into, or null when it is about another statement. */
function operationAt(file: MigrationFile, finding: SquawkFinding): Operation | null {
  const starts = lineStarts(file.source);
  const offset = (starts[finding.line] ?? file.source.length) + finding.column;
  return file.operations.find((o) => isIndexOperation(o) && o.range.start <= offset && offset <= o.range.end) ?? null;
}

/** squawk's index findings as `file:line squawk-rule` (statement's first line). */
function squawkIndexFindings(): Array<{ key: string; name: string; line: number; squawkRule: string }> {
  const found: Array<{ key: string; name: string; line: number; squawkRule: string }> = [];
  for (const [name, result] of results) {
    for (const finding of result.squawk) {
      if (!(finding.rule_name in RULE_MAP)) continue;
      const operation = operationAt(result.file, finding);
      if (!operation) continue;
      const line = lineOf(result.file.source, operation.range.start);
      found.push({ key: `${name}:${line} ${finding.rule_name}`, name, line, squawkRule: finding.rule_name });
    }
  }
  return found;
}

function weReport(name: string, line: number, squawkRule: string): boolean {
  const result = results.get(name)!;
  return result.ours.some((f) => f.ruleId === RULE_MAP[squawkRule] && lineOf(result.file.source, f.range.start) === line);
}

before(async () => {
  parsers = await loadParsers();
  const names = readdirSync(FIXTURES).filter((n) => n.endsWith('.sql')).sort();
  const byMode = new Map<boolean, string[]>();
  for (const name of names) {
    const source = readFileSync(join(FIXTURES, name), 'utf8');
    const { file, findings } = lintSource(`migrations/${name}`, source, 'sql', defaultContext(), parsers);
    assert.ok(file, name);
    results.set(name, { file, ours: findings, squawk: [] });
    const assume = TRANSACTIONAL_RUNNERS.has(file.sqlRunner?.name ?? 'psql');
    byMode.set(assume, [...(byMode.get(assume) ?? []), name]);
  }
  for (const [assumeInTransaction, files] of byMode) {
    const run = runSquawk(files, { cwd: FIXTURES, assumeInTransaction });
    assert.ok(run.exitCode === 0 || run.exitCode === 1, `squawk failed (exit ${run.exitCode}): ${run.stderr}`);
    for (const finding of run.findings) results.get(finding.file)?.squawk.push(finding);
  }
});

test('squawk: the comparison runs on real findings (fixtures and squawk present)', () => {
  assert.ok(results.size >= 12, `fixtures in ${FIXTURES}`);
  const found = squawkIndexFindings();
  assert.ok(found.length >= 25, `squawk reported only ${found.length} index findings`);
  for (const squawkRule of Object.keys(RULE_MAP)) {
    assert.ok(found.some((f) => f.squawkRule === squawkRule), `no fixture makes squawk report ${squawkRule}`);
  }
});

test('squawk: every index finding squawk reports we report too (same rule, same statement), but for the listed differences', () => {
  const listed = new Set(DIFFERENCES.map((d) => `${d.file}:${d.line} ${d.squawkRule}`));
  const missed = squawkIndexFindings()
    .filter((f) => !listed.has(f.key))
    .filter((f) => !weReport(f.name, f.line, f.squawkRule))
    .map((f) => f.key);
  assert.deepEqual([...new Set(missed)], []);
});

for (const difference of DIFFERENCES) {
  test(`squawk differs: ${difference.file}:${difference.line} ${difference.squawkRule}: ${difference.reason}`, () => {
    const key = `${difference.file}:${difference.line} ${difference.squawkRule}`;
    assert.ok(
      squawkIndexFindings().some((f) => f.key === key),
      'squawk no longer reports this: drop it from the list of differences',
    );
    assert.equal(weReport(difference.file, difference.line, difference.squawkRule), false, 'we report it now: drop it from the list');
  });
}
