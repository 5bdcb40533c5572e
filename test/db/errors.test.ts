// describeConnectionError for errors that a test server cannot easily produce (timeouts, DNS,
// host name mismatch), and password redaction. Pure: the inputs have the shapes node and pg throw.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeConnectionError, redactSecrets } from '../../src/db/errors';

const nodeError = (code: string, message: string, extra: object = {}) => Object.assign(new Error(message), { code, ...extra });

test('network and TLS errors get a title and advice', () => {
  const context = { host: 'db.example.com', port: 5432, user: 'app', database: 'app' };
  const cases: [unknown, string, RegExp, boolean][] = [
    [nodeError('ENOTFOUND', 'getaddrinfo ENOTFOUND db.example.com', { hostname: 'db.example.com' }), 'unknown-host', /Unknown host "db\.example\.com"/, false],
    [nodeError('EAI_AGAIN', 'getaddrinfo EAI_AGAIN db.example.com', { hostname: 'db.example.com' }), 'unknown-host', /DNS did not answer/, true],
    [nodeError('ETIMEDOUT', 'connect ETIMEDOUT'), 'timeout', /did not answer \(db\.example\.com:5432\)/, true],
    [new Error('Connection terminated due to connection timeout'), 'timeout', /did not answer in time/, true],
    [new Error('Connection terminated unexpectedly'), 'connection-lost', /lost/, true],
    [nodeError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"), 'ssl-certificate', /not valid for host "db\.example\.com"/, false],
    [nodeError('CERT_HAS_EXPIRED', 'certificate has expired'), 'ssl-certificate', /could not be verified/, false],
    [Object.assign(new AggregateError([nodeError('ECONNREFUSED', 'connect ECONNREFUSED ::1:5432'), nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')]), { code: undefined }), 'connection-refused', /Connection refused/, true],
    [Object.assign(new Error('sorry, too many clients already'), { code: '53300' }), 'too-many-connections', /no free connection slots/, true],
    [Object.assign(new Error('role "nobody" does not exist'), { code: '28000' }), 'role-missing', /user "app" does not exist/, false],
    [Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }), 'statement-timeout', /took too long/, true],
    ['a string thrown', 'unknown', /Postgres error \(db\.example\.com:5432\): a string thrown/, false],
  ];
  for (const [error, kind, title, retryable] of cases) {
    const description = describeConnectionError(error, context);
    assert.equal(description.kind, kind, String((error as Error).message ?? error));
    assert.match(description.title, title);
    assert.ok(description.advice.length > 10);
    assert.equal(description.retryable, retryable, kind);
  }
});

test('passwords never appear in a description', () => {
  assert.equal(redactSecrets('postgres://app:hunter2@db/app failed'), 'postgres://app:***@db/app failed');
  assert.equal(redactSecrets('password=hunter2 host=db'), 'password=*** host=db');
  assert.equal(redactSecrets('it said hunter2 twice: hunter2', ['hunter2']), 'it said *** twice: ***');
  const description = describeConnectionError(new Error('weird failure for postgres://app:hunter2@db/app with hunter2'), { secrets: ['hunter2'] });
  assert.doesNotMatch(JSON.stringify(description), /hunter2/);
});
