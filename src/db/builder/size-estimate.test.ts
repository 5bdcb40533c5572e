import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateBtreeBytes } from './size-estimate';

test('a B-tree size estimate: rows × (12 + aligned key width) / 0.9', () => {
  const cases: Array<[rows: number, widths: (number | null)[], bytes: number]> = [
    [0, [8], 0],
    // one bigint key: 12 + 8 = 20 bytes a row
    [9_000_000, [8], 200_000_000],
    // an int (4) and a bigint (8): 12 aligned to 16, 28 bytes a row
    [900, [4, 8], 28_000],
    // an expression key without statistics counts as 8 bytes
    [900, [null], 20_000],
    // a 30-byte text key is aligned to 32
    [9, [30], 440],
  ];
  for (const [rows, widths, bytes] of cases) assert.equal(estimateBtreeBytes(rows, widths), bytes, `${rows} rows, widths ${widths.join(',')}`);
});
