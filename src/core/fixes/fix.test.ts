import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LazyFix, firstOfItsStatement, writableFixes } from './fix';

test('LazyFix writes its edits on first read, once, and shares them with newFiles', () => {
  let builds = 0;
  const fix = new LazyFix('Do it', 'unsafe', () => {
    builds++;
    return { edits: [{ start: 0, end: 0, text: 'x' }], newFiles: [{ path: 'a.sql', text: 'y' }] };
  });
  assert.equal(fix.title, 'Do it');
  assert.equal(fix.safety, 'unsafe');
  assert.equal(fix.suggestion, undefined);
  assert.equal(builds, 0, 'nothing is built before someone reads the edits');
  assert.deepEqual(fix.edits, [{ start: 0, end: 0, text: 'x' }]);
  assert.deepEqual(fix.newFiles, [{ path: 'a.sql', text: 'y' }]);
  assert.equal(fix.edits, fix.edits);
  assert.equal(builds, 1);
});

test('LazyFix without new files, as a suggestion', () => {
  const fix = new LazyFix('Maybe', 'safe', () => ({ edits: [] }), true);
  assert.equal(fix.suggestion, true);
  assert.equal(fix.newFiles, undefined);
  assert.deepEqual(fix.edits, []);
});

test('firstOfItsStatement: later operations at the same start are not the first', () => {
  const at = (start: number) => ({ range: { start, end: start + 1 } });
  const operations = [at(5), at(1), at(5), at(9)];
  assert.deepEqual(
    operations.map((_, i) => firstOfItsStatement(operations, i)),
    [true, true, false, true],
  );
});

test('writableFixes leaves out a fix whose edits cannot be written (a builder bug), keeping the others', () => {
  const good = new LazyFix('Good', 'safe', () => ({ edits: [{ start: 0, end: 0, text: 'x' }] }));
  const broken = new LazyFix('Broken', 'safe', () => {
    throw new Error('a bug in an edit builder');
  });
  const plain = { title: 'Plain', safety: 'unsafe' as const, edits: [] };
  assert.deepEqual(writableFixes([good, broken, plain]).map((fix) => fix.title), ['Good', 'Plain']);
  const heard: string[] = [];
  writableFixes([good, broken, plain], (fix, error) => heard.push(`${fix.title}: ${(error as Error).message}`));
  assert.deepEqual(heard, ['Broken: a bug in an edit builder']);
});
