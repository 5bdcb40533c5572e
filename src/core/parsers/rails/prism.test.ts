import assert from 'node:assert/strict';
import { test } from 'node:test';
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
