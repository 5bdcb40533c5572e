// The fast statement reader against libpg-query: on thousands of statements, valid and broken
// (generated from the forms it knows, then mutated token by token), a SQL migration read with
// it must be exactly the migration read with libpg-query alone: the same operations, positions,
// runner, problems. Deterministic (a seeded generator), so a failure reproduces.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { parseEmbeddedSql } from './embedded';
import { fastStatementNode } from './fast-statements';
import { lexSql, lexSqlStatements } from './lexer';
import { loadSqlParser, type SqlParser } from './libpg-query';
import { statementTreeUnread } from './operations';
import { parseSqlMigration } from './parse-sql-migration';
import { readSqlText, type SqlToken } from './statements';

let parser: SqlParser;
before(async () => {
  parser = await loadSqlParser();
});

/** Names of every kind: plain, quoted, keywords of each category, too long, odd characters. */
const NAMES = [
  'messages', 'account_id', 'Users', '"Messages"', '"a""b"', 'x$y', '_t', 'name', 'type', 'key', 'value', 'data',
  'comment', 'version', 'year', 'nulls', 'format', 'without', 'if', 'column', 'exclude', 'generated', 'always',
  'index', 'text', 'int', 'json', 'time', 'position', 'user', 'table', 'order', 'check', 'left', 'concurrently',
  'freeze', 'only', 'on', 'to', 'default', 'a'.repeat(63), 'b'.repeat(64), '"' + 'c'.repeat(64) + '"', 'naïve', '"naïve"',
  'public.messages', 'a.b.c', 'a.b.c.d', '____', 'U&"d\\0061t"', 'storage', 'storage.objects', 'error', 'expression', 'input',
  'skip', 'access', 'policy', 'trigger', 'partition', 'range', 'at', 'zone', 'deferrable', 'initially',
  'encoding', 'immutable', 'commit', 'rows', 'temp', 'interval', 'case', 'array', 'any',
];
/** Names the fast reader takes, picked most of the time so that its readings are tested too. */
const PLAIN_NAMES = ['messages', 'account_id', 'Users', '"Messages"', 'public.messages', 'name', 'status', 'created_at', 'idx_1'];
const TYPES = [
  'bigint', 'integer', 'int', 'smallint', 'text', 'varchar(255)', 'varchar(1, 2)', 'character varying(10)', 'boolean',
  'timestamptz', 'timestamp with time zone', 'timestamp without time zone', 'timestamp(3)', 'time', 'jsonb', 'json',
  'numeric(12,2)', 'numeric(12)', 'decimal', 'numeric(1,2,3)', 'uuid', 'double precision', 'real', 'text[]', 'int[3]',
  'public.citext', 'float', 'char(3)', 'interval', 'bit(3)', 'text(5)', 'a.b.c', 'serial', 'char', 'CHAR(36)', 'char varying(5)',
  'character(2)', 'char(1, 2)', 'char[]', 'storage', 'INTERVAL', 'interval(6)', 'interval year', 'interval day to second',
  'interval(6) year', 'interval()', 'interval[]', 'interval(1, 2)',
];
const VALUES = [
  "'5s'", "'30min'", '0', '5000', '2147483647', '2147483648', '1.5', '.5', '1.', '1e3', '0x1F', '1_000', "E'x'", "'it''s'",
  "'a'\n'b'", 'on', 'off', 'true', 'false', 'default', 'DEFAULT', 'foo', '"Foo"', 'null', '-1', '+1', '$1', "'x'::text",
];
const PREDICATES = [
  'deleted_at IS NULL', 'status IN (0, 1)', 'private = false', 'a IS NOT NULL', 'NOT a', 'a = b = c', 'a < b < c',
  'a IS NULL IS NULL', 'a NOT IN (1)', 'a NOT LIKE \'x%\'', 'a LIKE b', 'a ILIKE b', '(a = 1) = true', 'a = 1 AND b = 2 OR c',
  'lower(email) = \'x\'', 'a NOT BETWEEN 1 AND 2', 'a NOT NULL', 'a ISNULL', 'a = -1', 'a::text = \'x\'', 'a.b.c = 1',
  'f()', 'f(a, b) > 0', '(a)', '(a, b)', 'NOT NOT a', 'a IS TRUE', 'a IS NOT FALSE', 'a = ANY(b)', 'a IN ()', 'a IN (SELECT 1)',
  'name IS NULL', 'type = \'x\'', 'coalesce(a, b) = 1', 'now() > a', 'a = $1', 'a IS NOT DISTINCT FROM b',
  "a->>'x' = 'y'", 'a || b', "a->'b'->>'c' IS NULL", "(a->'b')::boolean", "a->'b'::text", 'a ->', 'a || || b', "a->>'x' IN ('a', 'b')", "a #>> '{b}'",
  "a AT TIME ZONE 'UTC' < now()", "(a AT TIME ZONE 'UTC')::date = b", "a::timestamp AT TIME ZONE b AT TIME ZONE 'UTC' IS NULL", "a AT TIME ZONE",
  "a AT TIME 'UTC'", "a AT ZONE 'UTC'", "a->>'t' AT TIME ZONE 'UTC' = b", 'a AT LOCAL = b',
  'a + 1 > b * 2', 'a - b / c % 2 = 0', '(current_date + a) < CURRENT_TIMESTAMP', 'a * -1 = b', 'a + + b > 0', 'a - > b', 'a * = b',
  "a || 'x' + 1 = b", 'LOCALTIMESTAMP - a > b', 'a ^ 2 = b', 'a + = 1', 'CURRENT_TIME = a', '- a = b', 'a+1=b',
  'a = ANY (ARRAY[1, 2])', "(a)::text = ANY ((ARRAY['x'::character varying, 'y'::character varying])::text[])", 'a <> ALL (b)',
  'a = SOME (b)', 'a = ANY (SELECT 1)', 'a = ANY ()', 'a LIKE ANY (b)', 'a = ANY b', 'a = ANY (b, c)', 'ANY (b) = a',
  'CASE WHEN a > 0 THEN 1 ELSE 0 END = 1', "CASE a WHEN 1 THEN 'x' WHEN 2 THEN 'y' END IS NULL", 'CASE WHEN a THEN b', 'CASE END',
  'CASE WHEN a THEN b ELSE c ELSE d END', "(CASE WHEN a THEN b END)::text = 'x'", 'CASE a END', 'CASE WHEN THEN b END', 'CASE WHEN a b END',
  'a[1] = 2', 'a[b][c] IS NULL', '(f(a))[1] = b', 'f(a)[1] = b', 'a[1:2] = b', 'a[] = b', 'a.b[1] = c', 'name[1] = 2', "(a->'b')[1] IS NULL",
  'ARRAY[a, b] = c', 'ARRAY[] = a', 'ARRAY[a][1] = b', 'ARRAY[[a]] = b', 'ARRAY(SELECT 1) = a',
  's.f(a) > 0', 'a.b.c.d(e) = 1', 's.f() IS NULL', '"s"."f"("a") = 1', 's.f(a)(b) = 1', 's.f(a)[1] = b', 's.(a) = 1',
  "a + INTERVAL '1 day' < now()", "a * INTERVAL '1 second' > b", "INTERVAL '1' DAY = a", 'INTERVAL = a', "INTERVAL '1' = a",
  "INTERVAL (3) '1' = a", "a = INTERVAL '1' year",
];
const DEFAULTS = [
  "'x'", '0', '-1', 'now()', 'false', 'NULL', 'CURRENT_TIMESTAMP', "'{}'::jsonb", 'gen_random_uuid()', 'a', '1 + 1', "'x'::character varying",
  'ARRAY[]::TEXT[]', "ARRAY['a', 'b']::\"Role\"[]", 'ARRAY[]', 'ARRAY[[1]]', 'ARRAY[1,]', 'ARRAY(1)', "md5(random()::text || now()::text)::uuid",
];
const CONSTRAINTS = [
  'NOT NULL', 'NULL', 'UNIQUE', 'PRIMARY KEY', 'CHECK (a > 0)', 'REFERENCES users', 'REFERENCES users (id) ON DELETE CASCADE',
  'REFERENCES users ON DELETE SET NULL ON UPDATE CASCADE', 'REFERENCES users ON DELETE CASCADE ON DELETE CASCADE',
  'GENERATED ALWAYS AS IDENTITY', 'GENERATED BY DEFAULT AS IDENTITY', "GENERATED ALWAYS AS (a->>'x') STORED",
  "GENERATED ALWAYS AS ((a->'b')::boolean) STORED", 'GENERATED ALWAYS AS (md5(a::text)) STORED', 'GENERATED BY DEFAULT AS (a) STORED',
  'GENERATED ALWAYS AS (a)', 'GENERATED ALWAYS AS (a) VIRTUAL', 'GENERATED ALWAYS AS () STORED', 'CONSTRAINT c NOT NULL', 'NOT NULL NO INHERIT',
  'UNIQUE NULLS NOT DISTINCT', "GENERATED ALWAYS AS (CASE WHEN a > 0 THEN a + (b * INTERVAL '1 second') END) STORED",
  'GENERATED ALWAYS AS ("s"."f"("name")) STORED', 'CHECK (a = ANY (ARRAY[1, 2]))', 'CHECK ((a[1]) > 0)', 'COLLATE "C"', 'COLLATE pg_catalog."default"', 'CONSTRAINT c COLLATE "C"', 'COLLATE', 'COLLATE "C" COLLATE "POSIX"', 'DEFERRABLE', 'REFERENCES users MATCH FULL', 'ON DELETE NO ACTION',
];
const TABLE_CONSTRAINTS = [
  'UNIQUE (a, b)', 'PRIMARY KEY (id)', 'CONSTRAINT k UNIQUE (a)', 'CONSTRAINT k PRIMARY KEY USING INDEX i', 'UNIQUE USING INDEX i',
  'CHECK (a > 0)', 'FOREIGN KEY (a) REFERENCES t (id)', 'CONSTRAINT f FOREIGN KEY (a) REFERENCES t ON DELETE RESTRICT',
  'UNIQUE NULLS NOT DISTINCT (a)', 'UNIQUE (a) INCLUDE (b)', 'EXCLUDE USING gist (a WITH &&)', 'CHECK (a > 0) NOT VALID',
  'UNIQUE (a) DEFERRABLE INITIALLY DEFERRED', 'UNIQUE ()', 'CONSTRAINT c CHECK (a IS NOT NULL) NOT VALID',
  'CONSTRAINT f FOREIGN KEY (a) REFERENCES t (id) ON DELETE CASCADE NOT VALID', 'UNIQUE (a) NOT VALID', 'PRIMARY KEY (a) NOT VALID',
  'CHECK (a > 0) NOT VALID NOT VALID', 'CHECK (a > 0) VALID', 'FOREIGN KEY (a) REFERENCES t NOT',
  'UNIQUE (a, b) DEFERRABLE', 'UNIQUE (a) DEFERRABLE INITIALLY IMMEDIATE', 'PRIMARY KEY (a) NOT DEFERRABLE',
  'UNIQUE (a) NOT DEFERRABLE INITIALLY DEFERRED', 'UNIQUE (a) NOT DEFERRABLE INITIALLY IMMEDIATE', 'UNIQUE (a) INITIALLY DEFERRED',
  'UNIQUE (a) DEFERRABLE NOT DEFERRABLE', 'UNIQUE (a) DEFERRABLE INITIALLY', 'CONSTRAINT k UNIQUE USING INDEX i DEFERRABLE',
  'FOREIGN KEY (a) REFERENCES t (id) DEFERRABLE INITIALLY DEFERRED', 'FOREIGN KEY (a) REFERENCES t DEFERRABLE NOT VALID',
  'FOREIGN KEY (a) REFERENCES t NOT VALID DEFERRABLE', 'CHECK (a > 0) DEFERRABLE', 'UNIQUE (a) DEFERRABLE DEFERRABLE',
  'EXCLUDE USING gist (a WITH =, b WITH &&)', 'EXCLUDE (a WITH =)', 'CONSTRAINT e EXCLUDE USING gist (a WITH &&) WHERE (b IS NULL)',
  'EXCLUDE USING gist (a WITH &&) INCLUDE (b)', 'EXCLUDE USING gist (a WITH)', 'EXCLUDE USING gist (a &&)', 'EXCLUDE USING gist (a WITH <>)',
  'EXCLUDE USING gist (a WITH OPERATOR(pg_catalog.&&))', 'EXCLUDE USING gist ((lower(a)) WITH =) DEFERRABLE', 'EXCLUDE USING gist (a WITH &&) NOT VALID',
  'EXCLUDE USING gist (a WITH &&) WHERE b IS NULL', 'EXCLUDE USING gist (a WITH =) WITH (fillfactor = 70)', 'EXCLUDE (a gist_ops WITH &&)',
  'EXCLUDE USING gist (a DESC WITH =)', 'EXCLUDE USING (a WITH =)', 'EXCLUDE USING gist ()', 'EXCLUDE USING gist (a WITH = b WITH =)',
  'EXCLUDE USING gist (a WITH ,)', 'EXCLUDE USING gist (a WITH =) INITIALLY DEFERRED',
];

/** Queries of CREATE TABLE ... AS: valid, broken (not read, so not reported), or not queries at all. */
const QUERIES = [
  'SELECT 1', 'SELECT a, b FROM t WHERE c IS NULL', 'WITH x AS (SELECT 1) SELECT * FROM x', '(SELECT 1)', 'VALUES (1), (2)', 'TABLE t',
  'SELECT 1 WITH NO DATA', 'SELECT min(a) OVER (PARTITION BY b) FROM t', 'SELECT FROM', 'SELECT (', 'WITH', 'EXECUTE p', 'INSERT INTO t VALUES (1)',
  'DELETE FROM t', 'x', '', 'SELECT {{ a }} FROM t', 'SELECT 1;', '(SELECT 1',
];

type Gen = { pick<T>(items: readonly T[]): T; chance(p: number): boolean; int(min: number, max: number): number };

function gen(seed: number): Gen {
  // mulberry32
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    pick: (items) => items[Math.floor(random() * items.length)]!,
    chance: (p) => random() < p,
    int: (min, max) => min + Math.floor(random() * (max - min + 1)),
  };
}

const name = (g: Gen) => (g.chance(0.7) ? g.pick(PLAIN_NAMES) : g.pick(NAMES));
const opt = (g: Gen, text: string, p = 0.5) => (g.chance(p) ? text : '');
const list = (g: Gen, item: () => string, max = 3) => Array.from({ length: g.int(1, max) }, item).join(', ');

function column(g: Gen): string {
  return `${name(g)} ${g.pick(TYPES)}${Array.from({ length: g.int(0, 2) }, () => ` ${g.chance(0.3) ? `DEFAULT ${g.pick(DEFAULTS)}` : g.pick(CONSTRAINTS)}`).join('')}`;
}

/** One statement of a form the fast reader knows (or nearly: every part has broken variants). */
function statement(g: Gen): string {
  switch (g.int(0, 15)) {
    case 0:
    case 1: {
      const expression = () =>
        g.pick([`lower(${name(g)})`, `(${name(g)})`, `(${name(g)}[1])`, `((string_to_array(${name(g)}, '/'))[level])`, '(CASE WHEN a THEN b END)', '(s.f(a))', `${name(g)}[1]`, `(${g.pick(PREDICATES)})`, `(COALESCE(${name(g)}, '9999-12-31'))`, `(${name(g)}::text)`, `((${name(g)}))`, `(${name(g)} COLLATE "C")`, 'COALESCE(a, b)', '(coalesce(a))', '(COALESCE())', '(a, b)', '()']);
      const opclass = () => g.pick([' text_pattern_ops', ' gin_trgm_ops', ' jsonb_path_ops', ' public.x_ops', ' a.b.c', ' "x_ops"', ' name', ' x_ops (siglen = 4)', ' COLLATE "C"', ' COLLATE "C" text_pattern_ops', ' COLLATE', ' COLLATE a.b.c']);
      const element = () =>
        (g.chance(0.25) ? expression() : name(g)) + opt(g, opclass(), 0.2) + opt(g, g.pick([' DESC', ' ASC', ' NULLS FIRST', ' DESC NULLS LAST']), 0.2);
      const storage = () => g.pick(['fillfactor = 90', "fillfactor = '90'", 'fastupdate = off', 'fastupdate', 'deduplicate_items = false', 'toast.x = 1', 'a = 1.5', 'a = -1', 'a =']);
      return (
        `CREATE ${opt(g, 'UNIQUE ', 0.3)}INDEX ${opt(g, 'CONCURRENTLY ')}${opt(g, 'IF NOT EXISTS ', 0.3)}${opt(g, `${name(g)} `, 0.8)}ON ` +
        `${opt(g, 'ONLY ', 0.1)}${name(g)}${opt(g, ` USING ${g.pick(['gin', 'btree', 'GIST', 'hash', 'brin'])}`, 0.2)} (${list(g, element)})` +
        `${opt(g, ` INCLUDE (${list(g, () => name(g), 2)})`, 0.1)}${opt(g, ` WITH (${list(g, storage, 2)})`, 0.1)}` +
        `${opt(g, ` WHERE ${g.pick(PREDICATES)}`, 0.3)}${opt(g, g.pick([' INCLUDE (a)', ' WITH (fillfactor = 70)', ' TABLESPACE x', ' NULLS NOT DISTINCT', ' INCLUDE ()']), 0.05)}`
      );
    }
    case 2:
      if (g.chance(0.2)) return `DROP TABLE ${opt(g, g.pick(['IF EXISTS ', 'CONCURRENTLY ', 'IF ']), 0.4)}${list(g, () => name(g), 2)}${opt(g, g.pick([' CASCADE', ' RESTRICT']), 0.2)}`;
      return `DROP INDEX ${opt(g, 'CONCURRENTLY ')}${opt(g, 'IF EXISTS ', 0.4)}${list(g, () => name(g), 2)}${opt(g, g.pick([' CASCADE', ' RESTRICT']), 0.2)}`;
    case 3:
      return `REINDEX ${g.pick(['INDEX', 'TABLE', 'SCHEMA', 'DATABASE', 'SYSTEM', '(VERBOSE) TABLE', 'VERBOSE TABLE'])} ${opt(g, 'CONCURRENTLY ')}${name(g)}`;
    case 4:
    case 5: {
      const action = () =>
        g.pick([
          () => `ADD ${opt(g, 'COLUMN ')}${opt(g, 'IF NOT EXISTS ', 0.2)}${column(g)}`,
          () => `ADD ${g.pick(TABLE_CONSTRAINTS)}`,
          () => `ALTER ${opt(g, 'COLUMN ')}${name(g)} ${g.pick(['SET NOT NULL', 'DROP NOT NULL', 'DROP DEFAULT', `SET DEFAULT ${g.pick(DEFAULTS)}`, `TYPE ${g.pick(TYPES)}`, `SET DATA TYPE ${g.pick(TYPES)}`, 'SET STATISTICS 100', `TYPE ${g.pick(TYPES)} USING a::int`, `${g.pick(['TYPE', 'SET DATA TYPE'])} ${g.pick(TYPES)} USING ${g.pick(PREDICATES)}`, `TYPE ${g.pick(TYPES)} USING (${name(g)}::text::${g.pick(TYPES)})`, "TYPE timestamptz USING a AT TIME ZONE 'UTC'", 'TYPE int USING'])}`,
          () => `VALIDATE ${g.pick(['CONSTRAINT ', '', 'CONSTRAINT IF EXISTS '])}${name(g)}`,
          () => `SET (${list(g, () => g.pick(["autovacuum_vacuum_scale_factor = '0.1'", 'fillfactor = 70', 'fillfactor', 'toast.x = 1', 'a = ', "a='25'"]), 3)})`,
          () => g.pick(['ENABLE ROW LEVEL SECURITY', 'ENABLE ROW SECURITY', 'ENABLE TRIGGER ALL', 'ENABLE LEVEL SECURITY', 'FORCE ROW LEVEL SECURITY']),
          () => `DROP ${g.pick(['', 'COLUMN ', 'CONSTRAINT '])}${opt(g, 'IF EXISTS ', 0.3)}${name(g)}${opt(g, ' CASCADE', 0.2)}`,
          () => `RENAME ${g.pick(['', 'COLUMN ', 'CONSTRAINT '])}${name(g)} TO ${name(g)}`,
          () => `RENAME TO ${name(g)}`,
        ])();
      return `ALTER TABLE ${opt(g, 'IF EXISTS ', 0.2)}${opt(g, 'ONLY ', 0.2)}${name(g)} ${list(g, action, 2)}`;
    }
    case 6: {
      const elements = list(g, () => (g.chance(0.2) ? g.pick(TABLE_CONSTRAINTS) : column(g)), 4);
      const partition = () => g.pick([' PARTITION BY RANGE (a)', ' PARTITION BY LIST (a, b)', ' PARTITION BY HASH (id)', ' PARTITION BY RANGE ()', ' PARTITION BY (a)', ' PARTITION BY foo (a)', ' PARTITION BY RANGE (lower(a))', ' PARTITION RANGE (a)']);
      const persistence = () => g.pick(['TEMP ', 'TEMPORARY ', 'UNLOGGED ', 'LOCAL TEMP ', 'GLOBAL TEMPORARY ', 'TEMP TEMP ', 'UNLOGGED TEMP ']);
      const onCommit = () => g.pick([' ON COMMIT DROP', ' ON COMMIT DELETE ROWS', ' ON COMMIT PRESERVE ROWS', ' ON COMMIT', ' ON COMMIT DELETE', ' ON DROP', ' ON COMMIT DROP ROWS']);
      if (g.chance(0.2)) return `CREATE ${opt(g, persistence(), 0.7)}TABLE ${opt(g, 'IF NOT EXISTS ', 0.3)}${name(g)}${opt(g, onCommit(), 0.3)} AS ${g.pick(QUERIES)}`;
      return (
        `CREATE ${opt(g, persistence(), 0.2)}TABLE ${opt(g, 'IF NOT EXISTS ', 0.3)}${name(g)} (${elements})` +
        `${opt(g, g.pick([partition(), partition(), ' WITH (fillfactor = 70)', ' INHERITS (p)']), 0.1)}${opt(g, onCommit(), 0.1)}`
      );
    }
    case 7:
      if (g.chance(0.15)) {
        const mode = () =>
          g.pick([
            'ISOLATION LEVEL SERIALIZABLE', 'ISOLATION LEVEL REPEATABLE READ', 'ISOLATION LEVEL READ COMMITTED', 'ISOLATION LEVEL READ UNCOMMITTED',
            'READ ONLY', 'READ WRITE', 'DEFERRABLE', 'NOT DEFERRABLE', 'ISOLATION LEVEL READ', 'ISOLATION LEVEL REPEATABLE',
            'ISOLATION LEVEL COMMITTED READ', "SNAPSHOT '0001'", 'ISOLATION SERIALIZABLE', 'READ', 'NOT READ ONLY',
          ]);
        const modes = Array.from({ length: g.int(1, 3) }, mode).join(g.pick([', ', ' ', ',']));
        return `SET ${opt(g, g.pick(['LOCAL ', 'SESSION ', 'SESSION CHARACTERISTICS AS ']), 0.3)}TRANSACTION ${g.chance(0.95) ? modes : ''}`;
      }
      return `SET ${opt(g, g.pick(['LOCAL ', 'SESSION ']), 0.3)}${g.pick(['lock_timeout', 'statement_timeout', 'search_path', 'x.y', 'TIME ZONE', 'ROLE', 'NAMES', 'SESSION AUTHORIZATION', 'name'])} ${g.pick(['=', 'TO', ''])} ${list(g, () => g.pick(VALUES), 2)}`;
    case 8:
      return g.pick(['RESET ALL', 'RESET lock_timeout', 'RESET statement_timeout', 'RESET TIME ZONE', 'RESET x.y', 'RESET ROLE']);
    case 9: {
      // Data migrations and calls: SELECT and WITH ... statements, read only for INTO and set_config.
      const call = () => g.pick(["create_partition('v1_task', DATE 'today')", "f('a'::text, 4)", 'pg_temp.f(id)', '1', '*', "set_config('lock_timeout', '5s', false)", "pg_catalog.set_config('statement_timeout', '0', true)", "\"set_config\"('lock_timeout', '1s', false)", "SET_CONFIG('lock_timeout', '2s', false)"]);
      const from = () => opt(g, ` FROM ${name(g)}${opt(g, ` WHERE ${g.pick(PREDICATES)}`, 0.5)}`, 0.6);
      return g.pick([
        () => `SELECT ${call()}${from()}`,
        () => `SELECT ${call()} INTO ${name(g)}${from()}`,
        () => `WITH x AS (SELECT ${call()}${from()}) INSERT INTO ${name(g)} (a) SELECT a FROM x`,
        () => `WITH x AS (INSERT INTO ${name(g)} (a) VALUES (1) RETURNING id) UPDATE ${name(g)} SET a = x.id FROM x`,
        () => `WITH x AS (SELECT 1) SELECT ${call()}${opt(g, ` INTO ${name(g)}`, 0.3)} FROM x`,
        () => `WITH RECURSIVE x AS (SELECT 1) DELETE FROM ${name(g)} WHERE id IN (SELECT * FROM x)`,
        () => `WITH x AS (SELECT 1) MERGE INTO ${name(g)} t USING x ON true WHEN MATCHED THEN DELETE`,
      ])();
    }
    case 10:
      return (
        `UPDATE ${opt(g, 'ONLY ', 0.1)}${name(g)}${opt(g, ' AS x', 0.05)} SET ${list(g, () => `${name(g)} = ${g.chance(0.5) ? g.pick(VALUES) : g.pick(PREDICATES)}`, 2)}` +
        `${opt(g, ` WHERE ${g.pick(PREDICATES)}`, 0.6)}${opt(g, ' RETURNING *', 0.05)}`
      );
    case 11:
      return (
        `INSERT INTO ${name(g)}${opt(g, ` (${list(g, () => name(g))})`, 0.7)} ${g.pick(['VALUES', 'DEFAULT VALUES', 'SELECT 1', 'VALUES'])} ` +
        `${list(g, () => `(${list(g, () => g.pick([...VALUES, ...DEFAULTS]))})`, 2)}` +
        `${opt(g, ` ON CONFLICT ${opt(g, `(${list(g, () => name(g), 2)}) `, 0.7)}DO ${g.pick(['NOTHING', 'NOTHING', 'UPDATE SET a = 1'])}`, 0.4)}`
      );
    case 12:
      return `COMMENT ON ${g.pick(['TABLE', 'INDEX', 'COLUMN', 'FUNCTION', 'VIEW', 'SCHEMA'])} ${name(g)}${opt(g, `(${g.pick(['', 'int', 'a int', 'text, int', 'name text', 'IN a int', 'a.b', 'double precision', 'a b c'])})`, 0.4)} IS ${g.pick(["'keeps updated_at current'", 'NULL', "E'x'", '1', "'a'"])}`;
    case 13: {
      const options = () =>
        g.pick([
          `AS ${g.pick(['$$ BEGIN RETURN NEW; END; $$', "'select 1'", '$body$ x $body$', "E'x'", "'a', 'b'", '$1'])}`,
          `LANGUAGE ${g.pick(['plpgsql', 'sql', 'SQL', "'plpgsql'", 'c', 'internal', 'table', 'int'])}`,
          g.pick(['IMMUTABLE', 'STABLE', 'VOLATILE', 'STRICT', 'LEAKPROOF', 'SECURITY DEFINER', 'SECURITY INVOKER', 'PARALLEL SAFE', 'PARALLEL table', 'COST 10', 'NOT LEAKPROOF', 'RETURN 1', 'WINDOW']),
        ]);
      return (
        `CREATE ${opt(g, 'OR REPLACE ', 0.7)}FUNCTION ${name(g)}(${g.pick(['', 'int', 'a int', 'a text, b int', 'a int DEFAULT 1', 'OUT a int', 'name text', 'a.b'])}) ` +
        `${opt(g, `RETURNS ${g.pick(['trigger', 'int', 'void', 'text', 'SETOF int', 'TABLE (a int)', 'jsonb', 'TRIGGER', 'x.y'])} `, 0.95)}` +
        Array.from({ length: g.int(0, 3) }, options).join(' ')
      );
    }
    case 14: {
      const event = () => g.pick(['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'UPDATE OF a', 'SELECT']);
      return (
        `CREATE ${opt(g, 'OR REPLACE ', 0.3)}${opt(g, 'CONSTRAINT ', 0.03)}TRIGGER ${name(g)} ${g.pick(['BEFORE', 'AFTER', 'INSTEAD OF', 'DURING'])} ` +
        `${Array.from({ length: g.int(1, 3) }, event).join(' OR ')} ON ${name(g)}${opt(g, ` FOR ${opt(g, 'EACH ')}${g.pick(['ROW', 'STATEMENT', 'TABLE'])}`, 0.8)}` +
        `${opt(g, ' WHEN (a IS NULL)', 0.05)} EXECUTE ${g.pick(['FUNCTION', 'PROCEDURE', 'FUNCTION'])} ${name(g)}(${g.pick(['', "'a'", '1, 2', 'a', 'table', '1.5', "'a', b"])})`
      );
    }
    default:
      return g.pick([
        'BEGIN', 'BEGIN WORK', 'BEGIN TRANSACTION', 'BEGIN ISOLATION LEVEL SERIALIZABLE', 'START TRANSACTION', 'START', 'COMMIT', 'COMMIT WORK',
        'COMMIT AND CHAIN', 'COMMIT AND NO CHAIN', 'COMMIT PREPARED \'x\'', 'END', 'END TRANSACTION', 'ROLLBACK', 'ROLLBACK AND CHAIN',
        'ABORT', 'ROLLBACK TO SAVEPOINT s', 'BEGIN AND CHAIN', 'START TRANSACTION AND CHAIN', 'END AND NO CHAIN', 'COMMIT TRANSACTION AND CHAIN',
      ]);
  }
}

/** A broken copy: one token dropped, doubled, swapped with the next or replaced. */
function mutate(g: Gen, sql: string): string {
  const tokens = lexSql(sql)?.filter((t) => !t.comment);
  if (!tokens || tokens.length === 0) return sql;
  const k = g.int(0, tokens.length - 1);
  const t = tokens[k]!;
  const before = sql.slice(0, t.start);
  const after = sql.slice(t.end);
  const word = sql.slice(t.start, t.end);
  switch (g.int(0, 3)) {
    case 0:
      return before + after;
    case 1:
      return `${before}${word} ${word}${after}`;
    case 2: {
      const next = tokens[k + 1];
      if (!next) return before + after;
      return `${before}${sql.slice(next.start, next.end)}${sql.slice(t.end, next.start)}${word}${sql.slice(next.end)}`;
    }
    default:
      return before + g.pick([...NAMES, '(', ')', ',', 'NOT', 'NULL', 'ON', 'INDEX', 'TABLE', '=', "'x'", '1', 'ADD', 'SET', 'KEY', '::', '.']) + after;
  }
}

function assertSameReading(sql: string): void {
  const path = 'migrations/20240101000000_case.sql';
  const fast = parseSqlMigration(path, sql, parser);
  // The lint reading does not parse statements whose tree nothing reads (statementTreeUnread):
  // libpg-query's reading is of the text with each broken one (no `{` in it) replaced by a valid
  // statement of that kind and length, so that it reports no problem there either.
  const expected = withUnreadStatementsValid(sql);
  if (expected === null) {
    const { problems: _fast, ...fastRest } = fast;
    const { problems: _full, ...fullRest } = parseSqlMigration(path, sql, parser, { fullSyntaxTrees: true });
    assert.deepStrictEqual(fastRest, fullRest, `read differently:\n${sql}`);
    return;
  }
  const full = parseSqlMigration(path, expected, parser, { fullSyntaxTrees: true });
  assert.deepStrictEqual(fast, { ...full, source: sql }, `read differently:\n${sql}`);
}

/**
 * Whether the fast reader reads the statement (its tokens without comments), and then that
 * Postgres accepts it: all of it but the query of a CREATE TABLE ... AS, which it does not read.
 */
function fastReads(sql: string, tokens: SqlToken[] | undefined): boolean {
  const node = tokens ? fastStatementNode(tokens, sql) : null;
  if (node === null) return false;
  const query = unreadQueryStart(node, tokens!);
  const checked = query === null ? sql : `${sql.slice(0, query)}SELECT 1`;
  assert.ok(parser.parse(checked).ok, `the fast reader accepts what Postgres rejects:\n${checked}`);
  return true;
}

/** Where the query of a CREATE TABLE ... AS the fast reader read begins: after its first AS. Null for other statements. */
function unreadQueryStart(node: object, tokens: readonly SqlToken[]): number | null {
  if (!('CreateTableAsStmt' in node)) return null;
  return tokens[tokens.findIndex((t) => t.keyword && t.word === 'AS') + 1]!.start;
}

/**
 * `sql` with every broken statement of a kind statementTreeUnread takes, and every broken query
 * of a CREATE TABLE ... AS the fast reader reads, made valid; null when one cannot be.
 */
function withUnreadStatementsValid(sql: string): string | null {
  const lexed = lexSqlStatements(sql);
  if (!lexed || !lexed.plainSemicolons) return sql;
  let text = sql;
  for (let k = 0, from = 0; k <= lexed.semicolons.length; k++) {
    const to = k < lexed.semicolons.length ? lexed.semicolons[k]! : lexed.code.length;
    const group = lexed.code.slice(from, to);
    from = to + 1;
    if (group.length === 0 || group.some((t) => t.word === '{' && !t.keyword)) continue;
    const node = statementTreeUnread(group) ? null : fastStatementNode(group, sql);
    const query = node === null ? null : unreadQueryStart(node, group);
    if (query !== null) {
      const end = group[group.length - 1]!.end;
      if (parser.parse(sql.slice(group[0]!.start, end)).ok) continue;
      // A valid query of the same length, line breaks kept: SELECT'...' (8 characters at least).
      if (end - query < 8 || lexed.comments.some((c) => c.start > query && c.start < end)) return null;
      text = `${text.slice(0, query)}SELECT'${sql.slice(query + 7, end - 1).replace(/[^\r\n]/g, 'x')}'${text.slice(end)}`;
      continue;
    }
    if (!statementTreeUnread(group)) continue;
    const start = group[0]!.start;
    const end = group[group.length - 1]!.end;
    if (parser.parse(sql.slice(start, end)).ok) continue;
    // A comment inside (a goose marker...) cannot be kept in the string: compared without problems.
    if (end - start < 4 || lexed.comments.some((c) => c.start > start && c.start < end)) return null;
    // DO with a string: valid at any length from 4 (its body is read when it runs, not parsed).
    // Line breaks kept where they were: suppression comments name lines.
    const body = sql.slice(start + 3, end - 1).replace(/[^\r\n]/g, 'x');
    text = `${text.slice(0, start)}DO'${body}'${text.slice(end)}`;
  }
  return text;
}

describe('the fast statement reader reads SQL as libpg-query does', () => {
  test('generated statements, one per text', () => {
    const g = gen(20240601);
    let fast = 0;
    for (let n = 0; n < 5000; n++) {
      const sql = statement(g);
      if (fastReads(sql, lexSql(sql)?.filter((t) => !t.comment))) fast++;
      assertSameReading(`${sql};`);
    }
    // The generator mostly writes forms the fast reader knows: it must be taking them.
    assert.ok(fast > 1100, `only ${fast} of 5000 statements were read by the fast reader`);
  });

  // Forms of the real-world corpus (npm run bench:corpus) the fast reader takes: each read as
  // libpg-query reads it, in a file with statements that give operations around it.
  const CORPUS_FORMS = [
    "CREATE INDEX by_status ON executions_visibility (namespace_id, status, (COALESCE(close_time, '9999-12-31 23:59:59')) DESC, start_time DESC, run_id)",
    'CREATE INDEX by_build_ids ON executions_visibility USING GIN (namespace_id, BuildIds jsonb_path_ops)',
    'CREATE INDEX "Post_title_idx" ON "Post" USING GIN ("title" gin_trgm_ops)',
    'CREATE INDEX CONCURRENTLY i ON t USING GIN (tags array_ops)',
    'CREATE INDEX IF NOT EXISTS name_prefix_search ON public.files(name text_pattern_ops)',
    'CREATE INDEX IF NOT EXISTS ix_gin ON ONLY v1_runs_olap USING gin (additional_metadata jsonb_path_ops)',
    'CREATE INDEX i ON t (a public.text_ops DESC NULLS LAST, lower(b) text_pattern_ops)',
    'CREATE INDEX multi ON hydra_oauth2_flow ( (consent_error::varchar(2)) ASC, state ASC, subject ASC )',
    'CREATE INDEX CONCURRENTLY IF NOT EXISTS "i" ON "t"("a", "b" DESC) INCLUDE ("c") WITH (fillfactor = 90)',
    'CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON f (nid, login_session_id, subject) INCLUDE (client_id) WHERE login_session_id IS NOT NULL',
    "CREATE UNIQUE INDEX i ON t (a) WITH (fillfactor = '70', deduplicate_items = false) WHERE (b = 1)",
    'ALTER TABLE "User" ALTER COLUMN "role" TYPE "Role" USING ("role"::text::"Role")',
    'ALTER TABLE "User" ALTER COLUMN "createdAt" SET DATA TYPE TIMESTAMPTZ(3) USING "createdAt"::timestamptz',
    'ALTER TABLE t ALTER COLUMN a TYPE JSON USING a::JSON, ALTER COLUMN b SET DEFAULT now()',
    'ALTER TABLE "Account" VALIDATE CONSTRAINT "Account_userId_fkey"',
    'ALTER TABLE profiles ENABLE ROW LEVEL SECURITY',
    'ALTER TABLE t ADD CONSTRAINT c CHECK (a IS NOT NULL) NOT VALID',
    'ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id) ON DELETE CASCADE NOT VALID',
    'ALTER TABLE "Invite" ADD COLUMN "teamIds" TEXT[] DEFAULT ARRAY[]::TEXT[]',
    'ALTER TABLE "User" ADD COLUMN "roles" "Role"[] NOT NULL DEFAULT ARRAY[\'USER\']::"Role"[]',
    'ALTER TABLE "dataset_items" ALTER COLUMN "sys_id" SET DEFAULT md5(random()::text || clock_timestamp()::text)::uuid::text',
    "ALTER TABLE executions_visibility ADD COLUMN BuildIds JSONB GENERATED ALWAYS AS (search_attributes->'BuildIds') STORED",
    "ALTER TABLE ev ADD COLUMN TemporalBool01 BOOLEAN GENERATED ALWAYS AS ((search_attributes->'TemporalBool01')::boolean) STORED",
    "ALTER TABLE ev ADD COLUMN k VARCHAR(255) GENERATED ALWAYS AS (search_attributes->>'k') STORED",
    'ALTER TABLE v1_filter ADD COLUMN payload_hash TEXT GENERATED ALWAYS AS (MD5(payload::TEXT)) STORED',
    "alter table v1_items set ( autovacuum_vacuum_scale_factor = '0.1', autovacuum_analyze_scale_factor='0.05' )",
    'ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY',
    'alter table storage.buckets add column if not exists max_file_size_kb int default null',
    'CREATE INDEX IF NOT EXISTS bucketid_objname ON storage.objects USING btree (bucket_id, name)',
    'ALTER TABLE "Account" ALTER COLUMN "loggedIn" SET DATA TYPE TIMESTAMPTZ(3) USING "loggedIn" AT TIME ZONE \'UTC\'',
    'ALTER TABLE "TeamCollection" ADD CONSTRAINT "TeamCollection_key" UNIQUE ("teamID", "parentID", "orderIndex") DEFERRABLE INITIALLY DEFERRED',
    'ALTER TABLE identity_login_codes ALTER COLUMN address_type TYPE CHAR(36)',
    'CREATE TABLE v1_task_event (id bigint GENERATED ALWAYS AS IDENTITY, tenant_id UUID NOT NULL, task_inserted_at TIMESTAMPTZ NOT NULL) PARTITION BY RANGE(task_inserted_at)',
    'create table project_member (id SERIAL NOT NULL, entity_type char(1) NOT NULL, error TEXT, expression TEXT, input JSONB, skip BOOLEAN)',
    'CREATE INDEX policy ON replication_job (policy_id)',
    'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx_name_bucket_level_unique on storage.objects (name COLLATE "C", bucket_id, level)',
    'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_objects_bucket_id_name_lower ON storage.objects (bucket_id, (lower(name) COLLATE "C"))',
    'CREATE TABLE IF NOT EXISTS iceberg_namespaces (id uuid primary key default gen_random_uuid(), name text COLLATE "C" NOT NULL)',
    'CREATE TABLE v1_task_events_olap_tmp (tenant_id UUID NOT NULL, requeue_retries INT NOT NULL DEFAULT 0) PARTITION BY HASH(tenant_id)',
    'ALTER TABLE replication_policy RENAME COLUMN cron_str TO trigger',
    'ALTER TABLE retention_policy ALTER COLUMN create_time TYPE TIMESTAMP WITHOUT TIME ZONE USING (current_date + create_time)',
    "ALTER TABLE t ADD CONSTRAINT c CHECK (char_length(a) * 2 <= 4096 - b)",
    "CREATE INDEX i ON t (a) WHERE b->>'kind' = 'x' OR c || d = 'e'",
    'CREATE TABLE scanner_registration (id SERIAL PRIMARY KEY NOT NULL, immutable BOOLEAN NOT NULL DEFAULT FALSE, encoding VARCHAR(64))',
    'CREATE TABLE v1_block_index (d DATE NOT NULL, r uuidrange NOT NULL, CONSTRAINT v1_excl EXCLUDE USING GIST (d WITH =, r WITH &&))',
    'ALTER TABLE "Workflow" ADD COLUMN "pausedWorkflowQueueTTL" INTERVAL, ADD CONSTRAINT "Workflow_Check" CHECK (("isPaused" = FALSE AND "x" IS NULL) OR "isPaused" = TRUE)',
    'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ',
    'CREATE TEMP TABLE "om_backfill" ("charge_id" text PRIMARY KEY, "cost_basis_id" character(26) NOT NULL UNIQUE) ON COMMIT DROP',
    "ALTER TABLE c ADD CONSTRAINT s CHECK ((schema_level = 1) OR (((settlement_type)::text = ANY ((ARRAY['invoice'::character varying, 'promotional'::character varying])::text[]))))",
    'ALTER TABLE c ALTER COLUMN "schema_level" SET DEFAULT 1, ADD CONSTRAINT "schema_level" CHECK (schema_level = ANY (ARRAY[1, 2]))',
    "ALTER TABLE hydra_oauth2_flow ADD COLUMN IF NOT EXISTS expires_at TIMESTAMP GENERATED ALWAYS AS (CASE WHEN consent_remember_for > 0 THEN requested_at + (consent_remember_for * INTERVAL '1 second') END) STORED",
    'CREATE TABLE IF NOT EXISTS "storage"."prefixes" ("bucket_id" text, "name" text COLLATE "C" NOT NULL, "level" int GENERATED ALWAYS AS ("storage"."get_level"("name")) STORED)',
    'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_objects_lower_name ON storage.objects ((path_tokens[level]), lower(name) text_pattern_ops, bucket_id, level)',
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_prefixes_lower_name ON storage.prefixes (bucket_id, level, ((string_to_array(name, '/'))[level]), lower(name) text_pattern_ops)",
  ];
  for (const sql of CORPUS_FORMS) {
    test(`a corpus form, without libpg-query: ${sql}`, () => {
      assert.ok(parser.parse(sql).ok, 'valid Postgres');
      const tokens = lexSql(sql)!.filter((t) => !t.comment);
      assert.notEqual(fastStatementNode(tokens, sql), null, 'read by the fast reader');
      assertSameReading(`SET lock_timeout = '5s';\n${sql};\nCREATE INDEX i ON t (a);\n`);
    });
  }

  // Every listed form in each place it may stand, and a few broken copies of each: the random
  // statements above meet each form only now and then.
  const PLACES: Array<[readonly string[], Array<(form: string) => string>]> = [
    [PREDICATES, [
      (p) => `CREATE INDEX i ON t (a) WHERE ${p}`,
      (p) => `ALTER TABLE t ADD CONSTRAINT c CHECK (${p})`,
      (p) => `CREATE TABLE t (a int, CHECK (${p}))`,
      (p) => `CREATE TABLE t (a int GENERATED ALWAYS AS (${p}) STORED)`,
      (p) => `CREATE INDEX i ON t ((${p}))`,
      (p) => `CREATE TABLE t (a int, EXCLUDE USING gist (a WITH &&) WHERE (${p}))`,
    ]],
    [TYPES, [(type) => `ALTER TABLE t ADD COLUMN a ${type}`, (type) => `CREATE TABLE t (a ${type} NOT NULL, b int)`, (type) => `ALTER TABLE t ALTER COLUMN a TYPE ${type}`]],
    [CONSTRAINTS, [(c) => `CREATE TABLE t (a int ${c})`, (c) => `ALTER TABLE t ADD COLUMN a int ${c}`]],
    [TABLE_CONSTRAINTS, [(c) => `CREATE TABLE t (a int, ${c})`, (c) => `ALTER TABLE t ADD ${c}`]],
    [DEFAULTS, [(d) => `ALTER TABLE t ADD COLUMN a int DEFAULT ${d}`, (d) => `CREATE TABLE t (a int DEFAULT ${d})`]],
    [NAMES, [(n) => `CREATE TABLE ${n} (${n} int)`, (n) => `CREATE INDEX ${n} ON ${n} (${n})`, (n) => `ALTER TABLE t ADD COLUMN ${n} int`]],
    [
      ['', 'TEMP ', 'TEMPORARY ', 'UNLOGGED ', 'LOCAL TEMP ', 'GLOBAL TEMPORARY ', 'TEMP TEMP ', 'UNLOGGED TEMP ', 'TEMP UNLOGGED '],
      [(p) => `CREATE ${p}TABLE t (a int)`, (p) => `CREATE ${p}TABLE IF NOT EXISTS t (a int) ON COMMIT DROP`],
    ],
    [
      [' ON COMMIT DROP', ' ON COMMIT DELETE ROWS', ' ON COMMIT PRESERVE ROWS', ' ON COMMIT', ' ON COMMIT DELETE', ' ON DROP', ' ON COMMIT DROP ROWS', ' ON COMMIT PRESERVE'],
      [(c) => `CREATE TEMP TABLE t (a int)${c}`, (c) => `CREATE TABLE t (a int) PARTITION BY RANGE (a)${c}`, (c) => `CREATE TEMP TABLE t${c} AS SELECT 1`],
    ],
    [QUERIES, [(q) => `CREATE TEMP TABLE t AS ${q}`, (q) => `CREATE TABLE IF NOT EXISTS t ON COMMIT DROP AS ${q}`, (q) => `CREATE TABLE t (a int) AS ${q}`, (q) => `CREATE TABLE t AS ${q} WITH DATA`]],
    [
      ['ISOLATION LEVEL SERIALIZABLE', 'ISOLATION LEVEL REPEATABLE READ', 'ISOLATION LEVEL READ COMMITTED, READ ONLY', 'ISOLATION LEVEL READ UNCOMMITTED DEFERRABLE',
        'READ WRITE, NOT DEFERRABLE', 'ISOLATION LEVEL READ', 'ISOLATION LEVEL COMMITTED READ', 'ISOLATION LEVEL REPEATABLE', "SNAPSHOT '0001'", 'READ ONLY,', ''],
      [(m) => `SET TRANSACTION ${m}`, (m) => `SET LOCAL TRANSACTION ${m}`, (m) => `SET SESSION CHARACTERISTICS AS TRANSACTION ${m}`],
    ],
  ];
  test('every listed form in each place it may stand, whole and broken', () => {
    const g = gen(42);
    for (const [forms, places] of PLACES) {
      for (const form of forms) {
        for (const place of places) {
          const sql = place(form);
          for (const text of [sql, mutate(g, sql), mutate(g, sql), mutate(g, sql)]) {
            fastReads(text, lexSql(text)?.filter((t) => !t.comment));
            assertSameReading(`${text};`);
          }
        }
      }
    }
  });

  test('a text of white space alone is read as nothing, as the lexer and libpg-query read it (it is not lexed)', () => {
    for (const text of ['', ' ', '\n', '\r\n', ' \t\n\r\v\f ']) {
      const lexed = lexSqlStatements(text)!;
      assert.deepEqual([lexed.code, lexed.comments, lexed.semicolons], [[], [], []]);
      const parsed = parser.parse(text);
      assert.ok(parsed.ok && (parsed.result.stmts ?? []).length === 0);
      assert.deepEqual(readSqlText(text, parser, { lintTrees: true }), { statements: [], comments: [], problem: null, statementCount: 0 });
    }
    // Not white space to Postgres: lexed as usual.
    for (const text of ['\u00a0', '\ufeff', '\n;\n', '-- only a comment\n']) assertSameReading(text);
  });

  test('broken statements: dropped, doubled, swapped and replaced tokens', () => {
    const g = gen(7);
    for (let n = 0; n < 10000; n++) {
      const sql = mutate(g, statement(g));
      fastReads(sql, lexSql(sql)?.filter((t) => !t.comment));
      assertSameReading(sql);
    }
  });

  test('files of several statements, with comments, sections, transactions and broken ones among them', () => {
    const g = gen(99);
    for (let n = 0; n < 800; n++) {
      const parts: string[] = [];
      if (g.chance(0.3)) parts.push(g.pick(['-- +goose Up', '-- migrate:up', '-- +goose NO TRANSACTION\n-- +goose Up', '-- atlas:txmode none']));
      for (let k = g.int(1, 6); k > 0; k--) {
        if (g.chance(0.2)) parts.push(g.pick(['-- a comment', '/* a block\ncomment */', '-- pg-index-guard:disable-next-line require-timeouts']));
        const sql = g.chance(0.15) ? mutate(g, statement(g)) : statement(g);
        parts.push(g.chance(0.1) ? sql : `${sql};`);
        if (g.chance(0.1)) parts.push(g.pick(['UPDATE t SET a = 1 WHERE b IS NULL;', 'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;', ';', 'INSERT INTO t VALUES (1);']));
        if (g.chance(0.05)) parts.push(g.pick(['-- +goose Down', '-- migrate:down', 'CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; END;', 'CREATE RULE r AS ON INSERT TO t DO ALSO (NOTIFY a; NOTIFY b);']));
      }
      assertSameReading(parts.join(g.chance(0.5) ? '\n' : ' '));
    }
  });

  test('template placeholders: a `{` anywhere in a statement, alone or among others', () => {
    // A `{` is in no statement Postgres accepts; the reader reports it without libpg-query when
    // it knows every token before it. Counted so the test is known to take that way.
    let calls = 0;
    const counting: SqlParser = { parse: (text) => (calls++, parser.parse(text)), scan: (text) => parser.scan(text) };
    const path = 'migrations/20240101000000_case.sql';
    const g = gen(1234);
    let withoutLibpg = 0;
    for (let n = 0; n < 4000; n++) {
      const sql = g.chance(0.2) ? mutate(g, statement(g)) : statement(g);
      const tokens = lexSql(sql)?.filter((t) => !t.comment) ?? [];
      const k = g.int(0, tokens.length);
      const at = k === tokens.length ? sql.length : g.chance(0.5) ? tokens[k]!.start : tokens[k]!.end;
      const placeholder = g.pick(['{{ table }}', '{{table}}', '{', ' {{ .Name }} ', '{%s}', '{0}', '${x}', '}{']);
      const broken = `${sql.slice(0, at)}${placeholder}${sql.slice(at)}`;
      // Statements around it, broken ones too (the first problem is then elsewhere).
      const around = () => (g.chance(0.3) ? `${g.chance(0.3) ? mutate(g, statement(g)) : statement(g)};` : '');
      const text = [around(), `${broken}${g.chance(0.8) ? ';' : ''}`, around()].join('\n');
      calls = 0;
      parseSqlMigration(path, text, counting);
      if (calls === 0) withoutLibpg++;
      assertSameReading(text);
    }
    assert.ok(withoutLibpg > 600, `only ${withoutLibpg} of 4000 texts were read without libpg-query`);
  });

  test('SQL inside Ruby execute calls', () => {
    const g = gen(3);
    for (let n = 0; n < 500; n++) {
      const sql = [statement(g), g.chance(0.3) ? mutate(g, statement(g)) : statement(g)].join(';\n');
      const source = `execute <<~SQL\n${sql}\nSQL\n`;
      const offset = source.indexOf('\n') + 1;
      const fast = parseEmbeddedSql(sql, offset, { parser, source });
      const full = parseEmbeddedSql(sql, offset, { parser, source, fullSyntaxTrees: true });
      assert.deepStrictEqual(fast, full, `read differently:\n${sql}`);
    }
  });
});

describe('statements whose tree the linter never reads are not parsed (statementTreeUnread)', () => {
  // Each kind as migrations write it (several seen in the real-world corpus of npm run bench:corpus):
  // libpg-query's tree for it yields no operation, so the lint reading, which does not parse it,
  // gives the same migration.
  const UNREAD = [
    'INSERT INTO settings (key, value) VALUES (\'a\', \'b\') ON CONFLICT (key) DO NOTHING',
    'UPDATE "User" SET "emailVerified" = now() WHERE "emailVerified" IS NULL',
    'DELETE FROM sessions WHERE created_at < now() - interval \'30 days\'',
    'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a',
    'GRANT SELECT ON ALL TABLES IN SCHEMA public TO anon',
    'REVOKE ALL ON FUNCTION f() FROM PUBLIC',
    'COMMENT ON COLUMN users.email IS \'login\'',
    'DO $$ BEGIN CREATE INDEX i ON t (a); EXCEPTION WHEN others THEN NULL; END $$',
    'LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE',
    'TRUNCATE events',
    'ANALYZE messages',
    'VACUUM messages',
    'CLUSTER messages USING messages_pkey',
    'NOTIFY pgrst, \'reload schema\'',
    'REFRESH MATERIALIZED VIEW CONCURRENTLY stats',
    'COPY t FROM STDIN',
    'CALL backfill()',
    'CREATE TYPE "Role" AS ENUM (\'ADMIN\', \'USER\')',
    'CREATE EXTENSION IF NOT EXISTS pgcrypto',
    'CREATE SCHEMA IF NOT EXISTS storage',
    'CREATE SCHEMA s CREATE TABLE t (a int) CREATE INDEX i ON t (a)',
    'CREATE SEQUENCE seq START 1',
    'CREATE VIEW v AS SELECT * FROM t',
    'CREATE OR REPLACE VIEW v AS SELECT * FROM t',
    'CREATE OR REPLACE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql',
    'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS \'SELECT 1\'',
    'CREATE TRIGGER t BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION f()',
    'CREATE CONSTRAINT TRIGGER t AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION f()',
    'CREATE POLICY p ON t FOR SELECT USING (true)',
    'CREATE DOMAIN d AS text',
    'CREATE FOREIGN TABLE f (a int) SERVER s',
    'CREATE STATISTICS s ON a, b FROM t',
    'DROP TABLE IF EXISTS "Account" CASCADE',
    'DROP TYPE "Role"',
    'DROP FUNCTION IF EXISTS f()',
    'DROP TRIGGER IF EXISTS t ON users',
    'DROP VIEW v',
    'DROP MATERIALIZED VIEW v',
    'DROP SEQUENCE seq',
    'DROP SCHEMA s CASCADE',
    'DROP EXTENSION pgcrypto',
    'DROP OWNED BY r',
    'ALTER TYPE "Role" ADD VALUE \'OWNER\'',
    'ALTER TYPE "Role" RENAME TO "Roles"',
    'ALTER TYPE t ADD ATTRIBUTE a int',
    'ALTER TYPE t OWNER TO admin',
    'ALTER INDEX i RENAME TO j',
    'ALTER INDEX i SET (fillfactor = 70)',
    'ALTER INDEX i ATTACH PARTITION j',
    'ALTER SEQUENCE seq RESTART WITH 10',
    'ALTER SEQUENCE seq OWNED BY t.id',
    'ALTER SEQUENCE seq OWNER TO admin',
    'ALTER VIEW v RENAME TO w',
    'ALTER MATERIALIZED VIEW v SET TABLESPACE x',
    'ALTER FUNCTION f() OWNER TO admin',
    'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO anon',
    'ALTER ROLE r SET statement_timeout = \'5s\'',
    'ALTER DATABASE d SET lock_timeout = \'5s\'',
    'ALTER FOREIGN TABLE f ADD COLUMN b int',
    "SELECT create_v1_range_partition('v1_task', DATE 'today')",
    "SELECT create_v1_hash_partitions('v1_payload_wal'::TEXT, 4)",
    "SELECT pg_temp.migrate_flat_fees(id) FROM billing_invoice_lines WHERE type = 'flat_fee'",
    'SELECT 1',
    'WITH ordered AS (SELECT id, ROW_NUMBER() OVER (PARTITION BY "parentID" ORDER BY "orderIndex") AS n FROM "UserCollection") UPDATE "UserCollection" u SET "orderIndex" = o.n FROM ordered o WHERE u.id = o.id',
    'WITH org AS (INSERT INTO "Organisation" ("id") SELECT gen_random_uuid() RETURNING "id") INSERT INTO "OrganisationMember" ("organisationId") SELECT "id" FROM org',
    'WITH x AS (SELECT 1) DELETE FROM t WHERE id IN (SELECT * FROM x)',
    'WITH x AS (SELECT 1) MERGE INTO t USING x ON true WHEN MATCHED THEN DELETE',
  ];
  // The tree is read: what starts a statement that may give an operation.
  const READ = [
    'CREATE INDEX i ON t (a)', 'CREATE UNIQUE INDEX i ON t (a)', 'CREATE TABLE t (a int UNIQUE)', 'CREATE TEMP TABLE t (a int)',
    'CREATE UNLOGGED TABLE t (a int)', 'CREATE MATERIALIZED VIEW v AS SELECT 1', 'CREATE TABLE t AS SELECT 1', 'DROP INDEX i',
    'ALTER TABLE t ADD CONSTRAINT k UNIQUE (a)', 'REINDEX TABLE t', 'SET lock_timeout = \'5s\'', 'RESET ALL',
    "SELECT set_config('lock_timeout', '5s', false)", 'SELECT * INTO t2 FROM t', 'WITH x AS (SELECT 1) SELECT * INTO t2 FROM x',
    "SELECT pg_catalog.set_config('statement_timeout', '0', true)", "SELECT \"set_config\"('lock_timeout', '1s', false)", "SELECT SET_CONFIG('lock_timeout', '2s', false)",
    "WITH x AS (SELECT 1) SELECT set_config('lock_timeout', '5s', false) FROM x", 'SELECT a INTO TEMP t2 FROM t',
    'BEGIN', 'START TRANSACTION', 'COMMIT', 'END', 'ROLLBACK', 'ABORT', 'PREPARE TRANSACTION \'x\'', 'CREATE OR REPLACE TEMP VIEW v AS SELECT 1',
    '"INSERT" INTO t VALUES (1)',
  ];
  const path = 'migrations/20240101000000_case.sql';
  const codeTokens = (sql: string) => lexSql(sql)!.filter((t) => !t.comment);

  for (const sql of UNREAD) {
    test(`not parsed, same operations as libpg-query's reading: ${sql}`, () => {
      assert.ok(parser.parse(sql).ok, 'valid Postgres');
      assert.equal(statementTreeUnread(codeTokens(sql)), true);
      // Between statements that give operations: these come out the same.
      const text = `SET lock_timeout = '5s';\n${sql};\nCREATE INDEX i ON t (a);\n`;
      const full = parseSqlMigration(path, text, parser, { fullSyntaxTrees: true });
      assert.equal(full.operations.length, 2, 'libpg-query\'s tree of it gives no operation');
      assert.deepStrictEqual(parseSqlMigration(path, text, parser), full);
    });
  }
  test('read: statements that may give an operation', () => {
    for (const sql of READ) assert.equal(statementTreeUnread(codeTokens(sql)), false, sql);
  });
  test('a broken statement of such a kind is not reported; one the rules read still is', () => {
    const file = parseSqlMigration(path, 'INSERT INTO t VALUE (1);\nCREATE INDEX i ON t a;\n', parser);
    assert.deepEqual(file.problems.map((p) => file.source.slice(p.range.start, p.range.end)), ['a']);
  });
});
