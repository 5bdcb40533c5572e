// ~/.pgpass parsing and matching, as libpq does it. Pure.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lookupPgpass, parsePgpass } from '../../src/db/pgpass';

test('fields, wildcards, escapes, comments and short lines', () => {
  const entries = parsePgpass(
    [
      '# hostname:port:database:username:password',
      'db.example.com:5432:app:app_user:s3cret',
      '*:*:*:admin:admin\\:pw\\\\x',
      'weird\\:host:6543:data\\\\base:u:p:with:colons',
      '\\*:*:*:*:star-host',
      'too:few:fields',
      '',
      '   ',
      'localhost:5432:*:alice:',
    ].join('\r\n'),
  );
  assert.deepEqual(entries, [
    { host: 'db.example.com', port: '5432', database: 'app', user: 'app_user', password: 's3cret', line: 2 },
    { host: null, port: null, database: null, user: 'admin', password: 'admin:pw\\x', line: 3 },
    { host: 'weird:host', port: '6543', database: 'data\\base', user: 'u', password: 'p:with:colons', line: 4 },
    { host: '*', port: null, database: null, user: null, password: 'star-host', line: 5 },
    { host: 'localhost', port: '5432', database: null, user: 'alice', password: '', line: 9 },
  ]);
});

test('the first matching line wins; wildcards match anything; a socket directory matches "localhost"', () => {
  const entries = parsePgpass(['db:5432:app:app_user:first', '*:*:app:app_user:second', 'localhost:*:*:*:local', '\\*:*:*:*:star'].join('\n'));
  const target = { host: 'db', port: 5432, database: 'app', user: 'app_user' };
  assert.equal(lookupPgpass(entries, target)?.password, 'first');
  assert.equal(lookupPgpass(entries, { ...target, host: 'other' })?.password, 'second');
  assert.equal(lookupPgpass(entries, { ...target, port: 6000 })?.password, 'second');
  assert.equal(lookupPgpass(entries, { ...target, database: 'other', host: '/var/run/postgresql' })?.password, 'local');
  assert.equal(lookupPgpass(entries, { ...target, database: 'other', host: 'localhost' })?.password, 'local');
  assert.equal(lookupPgpass(entries, { ...target, database: 'other', host: '*' })?.password, 'star');
  assert.equal(lookupPgpass(entries, { ...target, database: 'other', host: 'db' }), null);
  assert.equal(lookupPgpass([], target), null);
});
