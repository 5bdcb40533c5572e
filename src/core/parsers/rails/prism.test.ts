import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { WASI } from 'node:wasi';
import { parsePrism } from '@ruby/prism/src/parsePrism.js';
import { locateWasm } from '../wasm-assets';
import { lazyPrismParser, loadPrismParser } from './prism';

// Its own file, so that nothing has loaded Prism before in this process.
test('the lazy Prism parser compiles on its first parse, and the loaded one reuses that instance', async () => {
  const parse = lazyPrismParser();
  const result = parse('class A < ActiveRecord::Migration[7.1]; end\n');
  assert.equal(result.errors.length, 0);
  const loaded = await loadPrismParser();
  assert.equal(loaded('x = 1\n').errors.length, 0);
  assert.equal(parse('def (\n').errors.length > 0, true);
});

test("each parse gives exactly the package's own parsePrism result", async () => {
  const parse = await loadPrismParser();
  // The package's reference parse, on an instance of its own.
  const wasi = new WASI({ version: 'preview1' });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(locateWasm('prism.wasm', '@ruby/prism/src/prism.wasm'))), wasi.getImportObject() as unknown as WebAssembly.Imports);
  wasi.initialize(instance);
  const sources = [
    '',
    'class AddIndex < ActiveRecord::Migration[7.1]\n  def change\n    add_index :messages, :user_id, algorithm: :concurrently\n  end\nend\n',
    '# frozen_string_literal: true\n# héllo wörld ✓ 😀\nexecute <<~SQL\n  CREATE INDEX "naïve" ON t (a);\nSQL\n',
    'def (\n',
    'x = "\ud800 lone surrogate"\n',
    'a = 1_000_000_000_000_000_000\nb = 1.5e3\nc = :"quoted sym"\n',
    'x'.repeat(100_000) + ' = 1\n',
  ];
  for (const source of sources) {
    assert.deepStrictEqual(parse(source), parsePrism(instance.exports, source, {}));
  }
});
