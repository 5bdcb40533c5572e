import assert from 'node:assert/strict';
import { test } from 'node:test';
import { oneLine } from './messages';

test('oneLine: one line, cut at a word near the end, else at the limit', () => {
  const cases: Array<[string, number, string]> = [
    ['SELECT 1', 20, 'SELECT 1'],
    ['UPDATE  contacts\n   SET phone = phone', 40, 'UPDATE contacts SET phone = phone'],
    ["UPDATE contacts SET phone = phone WHERE email = 'someone@example.com' AND account_id IN (1, 2, 3)", 80, "UPDATE contacts SET phone = phone WHERE email = 'someone@example.com' AND…"],
    ['SELECT a, b, c, d, e FROM t', 17, 'SELECT a, b, c…'],
    ['index_messages_on_conversation_id_and_created_at', 20, 'index_messages_on_c…'],
  ];
  for (const [text, max, expected] of cases) {
    const result = oneLine(text, max);
    assert.equal(result, expected, text);
    assert.ok(result.length <= max, `${result} fits ${max}`);
  }
});
