import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { RULES } from '../../rules';
import { byteToUtf16Mapper } from '../source-text';
import { SQL_KEYWORDS } from './keywords';
import { lexSql } from './lexer';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pg = require('libpg-query') as typeof import('libpg-query');

before(() => pg.loadModule());

type Described = [start: number, end: number, keyword: boolean, comment: boolean];

/** Postgres' own scanner (libpg-query), in the lexer's terms. */
function scannerTokens(text: string): Described[] | null {
  let tokens;
  try {
    tokens = pg.scanSync(text).tokens ?? [];
  } catch {
    return null;
  }
  const toOffset = byteToUtf16Mapper(text);
  return tokens.map((t) => [toOffset(t.start), toOffset(t.end), t.keywordKind > 0, t.tokenName === 'SQL_COMMENT' || t.tokenName === 'C_COMMENT']);
}

function lexerTokens(text: string): Described[] | null {
  const tokens = lexSql(text);
  // A token's word is its text, upper-cased when it is a keyword.
  for (const t of tokens ?? []) {
    const raw = text.slice(t.start, t.end);
    assert.equal(t.word, t.keyword ? raw.toUpperCase() : raw, `the word of ${JSON.stringify(raw)} in ${JSON.stringify(text)}`);
  }
  return tokens && tokens.map((t) => [t.start, t.end, t.keyword, t.comment]);
}

function assertSameTokens(text: string): void {
  const expected = scannerTokens(text);
  const actual = lexerTokens(text);
  if (expected === null) {
    assert.equal(actual, null, `the scanner rejects ${JSON.stringify(text)}, the lexer should too`);
    return;
  }
  assert.ok(actual, `the lexer rejects ${JSON.stringify(text)}`);
  const show = (tokens: Described[]) => tokens.map(([s, e, k, c]) => `${JSON.stringify(text.slice(s, e))}${k ? ':kw' : ''}${c ? ':comment' : ''}`);
  assert.deepEqual(show(actual), show(expected), JSON.stringify(text));
  assert.deepEqual(actual, expected);
}

const TRICKY = [
  "CREATE INDEX CONCURRENTLY IF NOT EXISTS \"Idx\"\"x\" ON public.\"Messages\" USING gin ((data->>'k'), lower(email) text_pattern_ops) WHERE a<>-1 AND b!=2;",
  "select 'a''b', E'x\\'y', e'\\\\', $$ab$$, $t$x $ y$t$, \"Q\"\"q\", x::int, a->>'k', 1.5e3, .5, 0x1F, 0o17, 0b101, 1_000, $1, :v, U&'d', u&\"x\"",
  "-- c\n/* n /* e */ x */ ; b'01' x'ff' n'z' N'é'",
  "SELECT 'a'\n  'continued', 'not' 'continued'",
  'SELECT a=-1, b<=+2, c@-3, d*-4, e||f, g#-h, 1..10, x:=1, f(a=>b), arr[1:2]',
  "SELECT a--comment\n, b/*c*/-/*d*/1, c-/*e*/-2",
  'ÉTÉ ünïcödé "ümlaut" -- Größe 😀\nCREATE INDEX idx_😀 ON t (x);',
  "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 1 END; END;",
  'REINDEX (VERBOSE, CONCURRENTLY) TABLE messages; reindex index concurrently idx;',
  'x$y$ $a$b$ $1$',
  "SELECT 'unterminated",
  'SELECT "unterminated',
  'SELECT /* unterminated',
  'SELECT $x$ unterminated',
  'SELECT 1; \\set ON_ERROR_STOP on',
  "\ufeffSELECT 1;\r\nSELECT 2;\r\n-- end\r\n",
  '{{ template }} ${var} <%= erb %>',
  'SELECT 1e, 1e+, 2.x, 3e-5, 100abc',
  'SELECT 1_000$, 1e3$, 0x1f$, 1$, 1.5$, 0xg, 1__0, ""',
  "SELECT 1.e3, 1., 1..2, 0x1f.5, 1.5.5, b'1''0', x''",
  // Words in one case, in mixed case, with non-ASCII characters (the Kelvin sign folds to `k`, but
  // not in Postgres' scanner), with `$`, and one letter before a quote.
  "Create INDEX cOnCuRrEnTlY ON t_1 (Email, é_x, xé, ÉX, Xé, _select, \u212Aey, loc\u212A, LOC\u212A, SELECT$, a$b, Zone'x', E'a' e'b', n'c', u&'d', abc123, ABC123, Abc123$, 42, 7)",
]
  // One string at a time: the scanner rejects each of these as a whole.
  .flatMap((text) => (text.startsWith('SELECT 1_000$') ? text.slice(7).split(', ').map((t) => `SELECT ${t}`) : [text]));

test('lexer: tricky SQL is cut exactly as Postgres\' scanner cuts it', () => {
  for (const text of TRICKY) assertSameTokens(text);
});

test('lexer: the SQL fixtures and the rules\' documented examples', () => {
  const fixtures = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'sql');
  for (const name of readdirSync(fixtures).filter((n) => n.endsWith('.sql'))) assertSameTokens(readFileSync(join(fixtures, name), 'utf8'));
  for (const rule of RULES.values()) {
    for (const example of [rule.meta.docs.bad.sql, rule.meta.docs.good.sql]) if (example) assertSameTokens(example);
  }
});

test('lexer: random soups of SQL pieces', () => {
  const pieces = [
    'CREATE', 'index', 'Concurrently', 'ON', 'only', ' ', '\n', '\t', '(', ')', ',', ';', '.', '..', ':', '::', ':=', '=>',
    "'s'", "''", "E'\\n'", "e'\\''", '$$ x $$', '$q$ ; $q$', '"Q"', '""""', '-- c\n', '/* c */', '/*/**/*/', '1', '1.5', '.5', '1e3',
    '0x1f', '$1', '+', '-', '*', '/', '<', '>', '=', '~', '!', '@', '#', '%', '^', '&', '|', '`', '?', 'é', '😀', 'x$', '_a1',
    'U&\'x\'', 'b\'1\'', 'X\'f\'', "n'z'", '[', ']', '{', '}', '\\', 'select', 'table', 'zone', 'identifier_that_is_long',
    '0b1', '0o7', '1_0', '_', '1e', 'e', 'E', 'u', '&', '\\n', '\r\n', "'", '"', '$', '$a', 'x', 'b', 'N', ' \n ', '*/', '--', '/*',
    // No form feed or vertical tab: libpg-query's scanSync writes them raw into its JSON and fails.
  ];
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  for (let round = 0; round < 5000; round++) {
    let text = '';
    const length = 1 + Math.floor(random() * 14);
    for (let k = 0; k < length; k++) text += pieces[Math.floor(random() * pieces.length)];
    assertSameTokens(text);
  }
});

test('lexer: the keyword list is libpg-query\'s', () => {
  const words = [...SQL_KEYWORDS];
  const scanned = pg.scanSync(words.join(' ')).tokens ?? [];
  assert.equal(scanned.length, words.length);
  assert.deepEqual(scanned.filter((t) => !(t.keywordKind > 0)), []);
  // The keyword table inside the WASM build: "abort\0absent\0absolute\0...".
  const wasm = readFileSync(require.resolve('libpg-query/wasm/libpg-query.wasm'));
  const at = wasm.indexOf('abort\0absent\0absolute\0');
  if (at === -1) return;
  const built: string[] = [];
  for (const word of wasm.subarray(at, at + 8000).toString('latin1').split('\0')) {
    if (!/^[a-z_]+$/.test(word)) break;
    built.push(word);
  }
  assert.deepEqual(built, words);
});
