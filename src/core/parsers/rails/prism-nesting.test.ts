// Deeply nested Ruby: Prism's stack used to run into its static data (no trap below ~500 levels,
// a trap above), and every later parse in the process went wrong. Each case parses a nested file,
// then a plain migration, which must give exactly what a fresh instance gives.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { WASI } from 'node:wasi';
import { parsePrism } from '@ruby/prism/src/parsePrism.js';
import { locateWasm } from '../wasm-assets';
import { RubyNestingTooDeep, loadPrismParser } from './prism';
import { guardWasmStack } from './prism-stack-guard';

const MIGRATION = 'class AddIndex < ActiveRecord::Migration[7.1]\n  def change\n    add_index :messages, :user_id\n  end\nend\n';

const NESTINGS: Record<string, (depth: number) => string> = {
  'do blocks': (n) => 'a do\n'.repeat(n) + 'end\n'.repeat(n),
  'brace blocks': (n) => 'a {\n'.repeat(n) + '}\n'.repeat(n),
  parentheses: (n) => '('.repeat(n) + '1' + ')'.repeat(n) + '\n',
  arrays: (n) => '['.repeat(n) + '1' + ']'.repeat(n) + '\n',
  hashes: (n) => '{a: '.repeat(n) + '1' + '}'.repeat(n) + '\n',
  calls: (n) => 'f('.repeat(n) + '1' + ')'.repeat(n) + '\n',
  ifs: (n) => 'if a\n'.repeat(n) + 'end\n'.repeat(n),
  interpolations: (n) => '"#{'.repeat(n) + '1' + '}"'.repeat(n) + '\n',
  methods: (n) => 'def a\n'.repeat(n) + 'end\n'.repeat(n),
  classes: (n) => 'class A\n'.repeat(n) + 'end\n'.repeat(n),
};

/** Depths Prism follows (with its grown stack): a tree without errors. */
const FOLLOWED = [1, 50, 120, 150, 200, 260];
/** Depths it cannot: RubyNestingTooDeep, never a wrong tree. */
const TOO_DEEP = [2_000, 10_000];

test('nested files parse, or fail with RubyNestingTooDeep, and never break the parses after them', async () => {
  const parse = await loadPrismParser();
  const wasi = new WASI({ version: 'preview1' });
  const reference = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(locateWasm('prism.wasm', '@ruby/prism/src/prism.wasm'))), wasi.getImportObject() as unknown as WebAssembly.Imports);
  wasi.initialize(reference);
  const expected = parsePrism(reference.exports, MIGRATION, {});
  for (const [kind, nested] of Object.entries(NESTINGS)) {
    for (const depth of [...FOLLOWED, ...TOO_DEEP]) {
      const label = `${kind}, depth ${depth}`;
      if (FOLLOWED.includes(depth)) {
        assert.deepEqual(parse(nested(depth)).errors, [], label);
      } else {
        assert.throws(() => parse(nested(depth)), RubyNestingTooDeep, label);
      }
      assert.deepStrictEqual(parse(MIGRATION), expected, `the parse after ${label}`);
    }
  }
});

test("the guard finds prism.wasm's stack, and keeps more room than its largest frame", () => {
  const { guard } = guardWasmStack(readFileSync(locateWasm('prism.wasm', '@ruby/prism/src/prism.wasm')));
  assert.ok(guard, 'prism.wasm is laid out as the guard expects');
  assert.ok(guard.largestFrame > 0);
  assert.ok(guard.margin >= 2 * guard.largestFrame);
});
