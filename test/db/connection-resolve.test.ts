// Connection candidates from settings, DATABASE_URL, config/database.yml, libpq's environment
// and ~/.pgpass. Pure: no server needed.

import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  clientConfigsFor,
  parseConnectionUrl,
  passwordKey,
  readConnectionInputs,
  resolveConnectionCandidates,
  type ConnectionCandidate,
  type ConnectionInputs,
} from '../../src/db/connection';
import { parseDotEnv } from '../../src/db/dotenv';
import { DbError } from '../../src/db/errors';
import { evaluateExpression, renderErb } from '../../src/db/erb';
import { parsePgpass } from '../../src/db/pgpass';

const FIXTURES = join(__dirname, '..', 'fixtures', 'db');
const yml = (name: string) => readFileSync(join(FIXTURES, 'database-yml', name), 'utf8');

const resolve = (inputs: ConnectionInputs) => resolveConnectionCandidates({ osUser: 'alice', ...inputs });
const summary = (c: ConnectionCandidate) => ({
  id: c.id,
  host: c.config.host,
  port: c.config.port,
  database: c.config.database,
  user: c.config.user,
  password: c.config.password,
  passwordSource: c.passwordSource,
  needsPassword: c.needsPassword,
  tls: c.tls,
});

test('database.yml: three-level multi-database config, current environment first, non-Postgres entries skipped', () => {
  const { candidates, warnings } = resolve({
    databaseYml: yml('multi-database.yml'),
    env: { RAILS_ENV: 'production', CHAT_DATABASE_PASSWORD: 'pw from env' },
  });
  assert.deepEqual(warnings, []);
  assert.deepEqual(
    candidates.map((c) => [c.id, c.label]),
    [
      ['database.yml:production/primary', 'database.yml: production (primary)'],
      ['database.yml:production/primary_replica', 'database.yml: production (primary_replica) replica'],
      ['database.yml:production/queue', 'database.yml: production (queue)'],
      ['database.yml:development/primary', 'database.yml: development'],
    ],
  );
  const [primary, replica, queue, development] = candidates.map(summary);
  assert.deepEqual(primary, {
    id: 'database.yml:production/primary',
    host: 'localhost',
    port: 5432,
    database: 'chat_production',
    user: 'chat',
    password: 'pw from env',
    passwordSource: 'database.yml',
    needsPassword: false,
    tls: { mode: 'verify-full', rootCertPath: '/etc/ssl/rds-ca.pem' },
  });
  assert.equal(replica!.host, 'replica.db.internal');
  assert.equal(replica!.database, 'chat_production');
  assert.equal(candidates[1]!.rails?.replica, true);
  assert.equal(queue!.database, 'chat_production_queue');
  assert.deepEqual(candidates[2]!.rails, { environment: 'production', name: 'queue', replica: false, migrationsPaths: ['db/queue_migrate'] });
  assert.deepEqual(development, {
    id: 'database.yml:development/primary',
    host: 'localhost',
    port: 5432,
    database: 'chat_development',
    user: 'alice',
    password: undefined,
    passwordSource: null,
    needsPassword: true,
    tls: { mode: 'prefer' },
  });
  assert.equal(passwordKey(candidates[3]!), 'alice@localhost:5432/chat_development');
});

test('database.yml: ERB ENV defaults (fetch with block or argument, ||, Integer(), .to_i), and what cannot be evaluated', () => {
  const defaults = resolve({ databaseYml: yml('erb-defaults.yml'), env: {} });
  const dev = defaults.candidates[0]!;
  assert.deepEqual(summary(dev), {
    id: 'database.yml:development/primary',
    host: '127.0.0.1',
    port: 5433,
    database: 'app_dev',
    user: 'alice',
    password: undefined,
    passwordSource: null,
    needsPassword: true,
    tls: { mode: 'prefer' },
  });
  assert.equal(dev.config.connectionTimeoutMillis, 7000);
  assert.equal(defaults.warnings.length, 1);
  assert.match(defaults.warnings[0]!, /Rails\.application\.credentials\.dig\(:database, :password\) %> was not evaluated/);
  assert.equal(defaults.candidates[1]!.config.database, 'app_test');

  const fromEnv = resolve({
    databaseYml: yml('erb-defaults.yml'),
    env: { DB_HOST: 'db.local', DB_PORT: '6000', DB_NAME: 'app_x', DB_USER: 'bob', DB_SSLMODE: 'require', TEST_ENV_NUMBER: '2' },
    railsEnv: 'test',
  });
  assert.deepEqual(fromEnv.candidates.map((c) => c.id), ['database.yml:test/primary', 'database.yml:development/primary']);
  assert.equal(fromEnv.candidates[0]!.config.database, 'app_test2');
  const x = summary(fromEnv.candidates[1]!);
  assert.deepEqual([x.host, x.port, x.database, x.user, x.tls.mode], ['db.local', 6000, 'app_x', 'bob', 'require']);
});

test('database.yml: url entries (url wins over other keys, percent-decoding, bare URL environments)', () => {
  const { candidates, warnings } = resolve({ databaseYml: yml('url.yml'), env: {} });
  assert.deepEqual(warnings, []);
  assert.deepEqual(candidates.map((c) => c.id), ['database.yml:development/primary', 'database.yml:staging/primary', 'database.yml:production/primary']);
  assert.deepEqual(
    candidates.map(summary).map((c) => [c.host, c.port, c.database, c.user, c.password, c.passwordSource, c.tls]),
    [
      ['localhost', 5432, 'app_dev', 'dev', undefined, null, { mode: 'prefer' }],
      ['staging.db.example.com', 6432, 'app_staging', 'deploy', 's@cret', 'url', { mode: 'require' }],
      ['prod.db.example.com', 5432, 'app_production', 'app', undefined, null, { mode: 'verify-full', rootCertPath: '/etc/ssl/ca.pem' }],
    ],
  );
  const overridden = resolve({ databaseYml: yml('url.yml'), env: { DEV_DATABASE_URL: 'postgres://other@10.0.0.5/dev2' } });
  assert.deepEqual([overridden.candidates[0]!.config.host, overridden.candidates[0]!.config.database], ['10.0.0.5', 'dev2']);
});

test('database.yml that is not YAML, or not a mapping: a warning, no candidates, no exception', () => {
  const broken = resolve({ databaseYml: 'development:\n  adapter: postgresql\n   database: [unclosed\n', env: {} });
  assert.deepEqual(broken.candidates, []);
  assert.match(broken.warnings[0]!, /config\/database\.yml is not valid YAML/);
  assert.deepEqual(resolve({ databaseYml: '- a\n- b\n', env: {} }).candidates, []);
  const unresolvedHost = resolve({ databaseYml: 'development:\n  adapter: postgresql\n  host: <%= Socket.gethostname %>\n', env: {} });
  assert.equal(unresolvedHost.candidates[0]!.config.host, 'localhost');
  assert.match(unresolvedHost.candidates[0]!.warnings[0]!, /"host" uses ERB that could not be evaluated/);
});

test('DATABASE_URL: the environment wins over .env; other schemes are ignored', () => {
  const both = resolve({
    env: { DATABASE_URL: 'postgres://u:p%2Fw@envhost:5000/envdb' },
    dotEnv: { DATABASE_URL: 'postgres://dotenvhost/dotenvdb' },
  });
  assert.deepEqual(both.candidates.map((c) => [c.label, c.config.host, c.config.database, c.config.password, c.passwordSource]), [
    ['DATABASE_URL (environment)', 'envhost', 'envdb', 'p/w', 'url'],
  ]);
  const dotenvOnly = resolve({ env: {}, dotEnv: { DATABASE_URL: 'postgresql://dotenvhost/dotenvdb?sslmode=disable' } });
  assert.deepEqual(dotenvOnly.candidates.map((c) => [c.label, c.config.host, c.tls.mode, c.needsPassword]), [['DATABASE_URL (.env)', 'dotenvhost', 'disable', true]]);
  assert.deepEqual(resolve({ env: { DATABASE_URL: 'mysql2://x/y' } }).candidates, []);
});

test('settings: named connections; a password in a settings URL is dropped with a warning; fields override the URL', () => {
  const { candidates } = resolve({
    env: {},
    settings: [
      { name: 'Production replica', url: 'postgres://ro:leaked@replica.example.com:5433/app?sslmode=verify-ca&sslrootcert=/ca.pem', port: 6543 },
      { name: 'Local', host: '/var/run/postgresql', database: 'app_dev' },
    ],
  });
  assert.deepEqual(candidates.map(summary), [
    {
      id: 'settings:Production replica',
      host: 'replica.example.com',
      port: 6543,
      database: 'app',
      user: 'ro',
      password: undefined,
      passwordSource: null,
      needsPassword: true,
      tls: { mode: 'verify-ca', rootCertPath: '/ca.pem' },
    },
    {
      id: 'settings:Local',
      host: '/var/run/postgresql',
      port: 5432,
      database: 'app_dev',
      user: 'alice',
      password: undefined,
      passwordSource: null,
      needsPassword: true,
      tls: { mode: 'prefer' },
    },
  ]);
  assert.match(candidates[0]!.warnings[0]!, /password in its URL was ignored/);
  assert.doesNotMatch(JSON.stringify(candidates), /leaked/);
});

test('libpq environment: its own candidate, and defaults (PGPASSWORD, PGSSLMODE) for every other one', () => {
  const { candidates } = resolve({
    env: { PGHOST: 'pg.local', PGPORT: '5444', PGUSER: 'carol', PGPASSWORD: 'pgpw', PGSSLMODE: 'require', PGDATABASE: 'carol_db' },
    settings: [{ name: 'Other', host: 'other.local' }],
  });
  assert.deepEqual(candidates.map(summary), [
    {
      id: 'settings:Other',
      host: 'other.local',
      port: 5444,
      database: 'carol_db',
      user: 'carol',
      password: 'pgpw',
      passwordSource: 'PGPASSWORD',
      needsPassword: false,
      tls: { mode: 'require' },
    },
    {
      id: 'libpq-env',
      host: 'pg.local',
      port: 5444,
      database: 'carol_db',
      user: 'carol',
      password: 'pgpw',
      passwordSource: 'PGPASSWORD',
      needsPassword: false,
      tls: { mode: 'require' },
    },
  ]);
  // libpq's default database is the user name; the default host may be a local socket directory
  const [defaulted] = resolve({ env: { PGUSER: 'dave' }, defaultHost: '/var/run/postgresql' }).candidates;
  assert.deepEqual([defaulted!.config.host, defaulted!.config.database, defaulted!.config.user], ['/var/run/postgresql', 'dave', 'dave']);
});

test('~/.pgpass fills in passwords (a Unix socket matches "localhost")', () => {
  const pgpass = parsePgpass('# comment\nother:*:*:*:nope\nlocalhost:5432:chat_development:alice:from-pgpass\n*:*:*:chat:chat\\:pw\n');
  const { candidates } = resolve({
    databaseYml: yml('multi-database.yml'),
    env: {},
    pgpass,
    defaultHost: '/tmp',
  });
  const byId = new Map(candidates.map((c) => [c.id, c]));
  const dev = byId.get('database.yml:development/primary')!;
  assert.deepEqual([dev.config.host, dev.config.password, dev.passwordSource, dev.needsPassword], ['localhost', 'from-pgpass', 'pgpass', false]);
  const primary = byId.get('database.yml:production/primary')!;
  assert.deepEqual([primary.config.password, primary.passwordSource], ['chat:pw', 'pgpass']);

  const socket = resolve({ env: {}, pgpass, settings: [{ name: 'sock', host: '/tmp', database: 'chat_development' }] }).candidates[0]!;
  assert.equal(socket.config.password, 'from-pgpass');
});

test('readConnectionInputs: the workspace .env feeds database.yml ERB; a group-readable pgpass is ignored like libpq does', () => {
  const home = mkdtempSync(join(tmpdir(), 'pgig-home-'));
  try {
    const pgpassFile = join(home, '.pgpass');
    writeFileSync(pgpassFile, 'db.internal:5432:*:chat_dev:secret\n');
    chmodSync(pgpassFile, 0o644);
    const loose = readConnectionInputs(join(FIXTURES, 'rails-app'), { env: {}, home, osUser: 'alice' });
    assert.deepEqual(loose.pgpass, []);
    assert.match(loose.warnings!.join('\n'), /readable by group or others and is ignored/);

    chmodSync(pgpassFile, 0o600);
    const inputs = readConnectionInputs(join(FIXTURES, 'rails-app'), { env: { DB_USER: 'from_process_env' }, home, osUser: 'alice' });
    assert.deepEqual(inputs.warnings, []);
    const { candidates } = resolveConnectionCandidates(inputs);
    const dev = candidates[0]!;
    assert.equal(dev.id, 'database.yml:development/primary');
    // DB_HOST from .env; DB_USER from the process environment wins over .env
    assert.deepEqual([dev.config.host, dev.config.user, dev.config.database], ['db.internal', 'from_process_env', 'chat_development']);

    const viaDotEnvUser = resolveConnectionCandidates(readConnectionInputs(join(FIXTURES, 'rails-app'), { env: {}, home, osUser: 'alice' }));
    const devWithPgpass = viaDotEnvUser.candidates[0]!;
    assert.deepEqual([devWithPgpass.config.user, devWithPgpass.config.password, devWithPgpass.passwordSource], ['chat_dev', 'secret', 'pgpass']);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('an sslmode libpq does not know, from settings, a URL, database.yml or PGSSLMODE: no config is made, the error says where and what is valid', () => {
  const { candidates } = resolve({
    settings: [
      { name: 'Prod', host: 'db', sslmode: 'requre' as never },
      { name: 'Replica', url: 'postgres://app@db/app?sslmode=REQUIRE' },
      { name: 'Plain', host: 'db', sslmode: 'disable' },
      { name: 'Default', host: 'db' },
    ],
    databaseYml: 'development:\n  adapter: postgresql\n  host: db\n  sslmode: verify_full\n',
    env: { PGSSLMODE: 'Prefer' },
  });
  const refusal = (candidate: ConnectionCandidate) => {
    try {
      clientConfigsFor(candidate);
      return null;
    } catch (error) {
      assert.ok(error instanceof DbError);
      assert.equal(error.description.kind, 'invalid-setting');
      assert.equal(error.description.retryable, false);
      return error.message;
    }
  };
  const valid = 'Use one of: disable, allow, prefer, require, verify-ca, verify-full.';
  assert.deepEqual(candidates.map((c) => [c.id, refusal(c)]), [
    ['settings:Prod', `Unknown sslmode "requre" in the connection "Prod" (settings). ${valid}`],
    ['settings:Replica', `Unknown sslmode "REQUIRE" in the connection "Replica" (settings). ${valid}`],
    ['settings:Plain', null],
    ['settings:Default', `Unknown sslmode "Prefer" in PGSSLMODE. ${valid}`],
    ['database.yml:development/primary', `Unknown sslmode "verify_full" in database.yml: development. ${valid}`],
    ['libpq-env', `Unknown sslmode "Prefer" in PGSSLMODE. ${valid}`],
  ]);
  // Until it is refused, an unknown value counts as the strictest mode, never as plain text.
  assert.equal(candidates[0]!.tls.mode, 'verify-full');
});

test('clientConfigsFor: sslmode to pg ssl options (prefer/allow fall back, sockets never use SSL)', () => {
  const config = { host: 'db.example.com', port: 5432, database: 'app', user: 'app' };
  const ssl = (mode: ConnectionCandidate['tls']['mode'], rootCertPath?: string) =>
    clientConfigsFor({ config, tls: { mode, ...(rootCertPath ? { rootCertPath } : {}) } }, { readFile: (f) => `PEM of ${f}`, password: 'from-secret-store' }).map((c) => c.ssl);

  assert.deepEqual(ssl('disable'), [false]);
  assert.deepEqual(ssl('allow'), [false, { rejectUnauthorized: false }]);
  assert.deepEqual(ssl('prefer'), [{ rejectUnauthorized: false }, false]);
  assert.deepEqual(ssl('require'), [{ rejectUnauthorized: false }]);
  const [verifyCa] = ssl('verify-ca', '/ca.pem') as [{ ca: string; rejectUnauthorized: boolean; checkServerIdentity: () => undefined }];
  assert.equal(verifyCa.ca, 'PEM of /ca.pem');
  assert.equal(verifyCa.rejectUnauthorized, true);
  assert.equal(verifyCa.checkServerIdentity(), undefined, 'verify-ca does not check the host name');
  assert.deepEqual(ssl('verify-full', '/ca.pem'), [{ rejectUnauthorized: true, ca: 'PEM of /ca.pem' }]);
  assert.deepEqual(ssl('verify-full'), [{ rejectUnauthorized: true }]);

  const [socket] = clientConfigsFor({ config: { ...config, host: '/var/run/postgresql' }, tls: { mode: 'verify-full' } });
  assert.equal(socket!.ssl, false);
  const [withPassword] = clientConfigsFor({ config, tls: { mode: 'disable' } }, { password: 'from-secret-store' });
  assert.equal(withPassword!.password, 'from-secret-store');
  const [own] = clientConfigsFor({ config: { ...config, password: 'own' }, tls: { mode: 'disable' } }, { password: 'from-secret-store' });
  assert.equal(own!.password, 'own');
});

test('client certificates: from a URL, database.yml, settings, PGSSLCERT/PGSSLKEY and ~/.postgresql; read when connecting', () => {
  const tlsOf = (inputs: ConnectionInputs) => resolve(inputs).candidates.map((c) => [c.id, c.tls]);
  const databaseYml = 'production:\n  adapter: postgresql\n  host: db\n  sslmode: verify-full\n  sslrootcert: /etc/ca.pem\n  sslcert: /etc/app.crt\n  sslkey: /etc/app.key\n';
  assert.deepEqual(
    tlsOf({
      env: { DATABASE_URL: 'postgres://app@db/app?sslmode=require&sslcert=%2Fcerts%2Fapp.crt&sslkey=/certs/app.key' },
      settings: [{ name: 'Cert', host: 'db', sslmode: 'verify-ca', sslrootcert: '/ca.pem', sslcert: '/c.crt', sslkey: '/c.key' }],
      databaseYml,
      railsEnv: 'production',
    }),
    [
      ['settings:Cert', { mode: 'verify-ca', rootCertPath: '/ca.pem', certPath: '/c.crt', keyPath: '/c.key' }],
      ['DATABASE_URL', { mode: 'require', certPath: '/certs/app.crt', keyPath: '/certs/app.key' }],
      ['database.yml:production/primary', { mode: 'verify-full', rootCertPath: '/etc/ca.pem', certPath: '/etc/app.crt', keyPath: '/etc/app.key' }],
    ],
  );
  assert.deepEqual(resolve({ databaseYml, railsEnv: 'production' }).warnings, [], 'no "not supported" warning any more');
  // libpq's environment and default files, for every candidate; never with sslmode disable.
  assert.deepEqual(
    tlsOf({
      env: { PGSSLCERT: '/env.crt', PGSSLKEY: '/env.key' },
      settings: [{ name: 'Plain', host: 'db', sslmode: 'disable' }, { name: 'Default', host: 'db' }],
    }),
    [
      ['settings:Plain', { mode: 'disable' }],
      ['settings:Default', { mode: 'prefer', certPath: '/env.crt', keyPath: '/env.key' }],
    ],
  );
  assert.deepEqual(
    tlsOf({ settings: [{ name: 'Home', host: 'db' }], defaultClientCertPath: '/home/a/.postgresql/postgresql.crt', defaultClientKeyPath: '/home/a/.postgresql/postgresql.key' }),
    [['settings:Home', { mode: 'prefer', certPath: '/home/a/.postgresql/postgresql.crt', keyPath: '/home/a/.postgresql/postgresql.key' }]],
  );

  // Sent over SSL only: prefer tries SSL with the certificate, then plain without.
  const config = { host: 'db', port: 5432, database: 'app', user: 'app' };
  const readFile = (f: string) => `PEM of ${f}`;
  assert.deepEqual(
    clientConfigsFor({ config, tls: { mode: 'prefer', certPath: '/c.crt', keyPath: '/c.key' } }, { readFile }).map((c) => c.ssl),
    [{ rejectUnauthorized: false, cert: 'PEM of /c.crt', key: 'PEM of /c.key' }, false],
  );
  const failure = (tls: ConnectionCandidate['tls'], read = readFile) => {
    try {
      clientConfigsFor({ config, tls }, { readFile: read });
    } catch (error) {
      return error instanceof DbError ? [error.description.kind, error.description.title] : ['not a DbError', String(error)];
    }
    return ['no error'];
  };
  assert.deepEqual(failure({ mode: 'require', certPath: '/c.crt' }), ['client-certificate', 'The SSL client certificate /c.crt has no key.']);
  const missing = (f: string) => {
    if (f === '/c.key') throw Object.assign(new Error(`ENOENT: no such file or directory, open '${f}'`), { code: 'ENOENT' });
    return `PEM of ${f}`;
  };
  assert.deepEqual(failure({ mode: 'require', certPath: '/c.crt', keyPath: '/c.key' }, missing), ['client-certificate', 'Cannot read the SSL client key file /c.key.']);
});

test('parseConnectionUrl', () => {
  assert.deepEqual(parseConnectionUrl('postgresql:///app_dev?host=/var/run/postgresql&port=5433'), {
    ok: true,
    postgres: true,
    warnings: [],
    params: { database: 'app_dev', host: '/var/run/postgresql', port: 5433 },
  });
  assert.deepEqual(parseConnectionUrl('postgres://%2Ftmp/app'), { ok: true, postgres: true, warnings: [], params: { host: '/tmp', database: 'app' } });
  assert.deepEqual(parseConnectionUrl('postgres://u@[::1]:5432/d?ssl=true&connect_timeout=3'), {
    ok: true,
    postgres: true,
    warnings: [],
    params: { host: '::1', port: 5432, database: 'd', user: 'u', sslmode: 'require', connectTimeoutSeconds: 3 },
  });
  const multi = parseConnectionUrl('postgres://a,b/d');
  assert.ok(multi.ok && multi.params.host === 'a' && /several hosts/.test(multi.warnings[0]!));
  assert.deepEqual(parseConnectionUrl('sqlite3:db/dev.sqlite3'), { ok: true, postgres: false, params: {}, warnings: [] });
  assert.equal(parseConnectionUrl('localhost:5432').ok, true); // a scheme-like prefix that is not Postgres
  assert.deepEqual(parseConnectionUrl('not a url'), { ok: false, error: 'not a URL (expected postgres://...)' });
  assert.equal(parseConnectionUrl('postgres://h:99999/d').ok, false);
});

test('ERB: the ENV subset Rails apps use, nothing executed', () => {
  const env = { SET: 'value', EMPTY: '' };
  const cases: [string, string | number | null][] = [
    ['ENV["SET"]', 'value'],
    ["ENV['UNSET']", null],
    ['ENV["UNSET"] || "fallback"', 'fallback'],
    ['ENV["EMPTY"] || "fallback"', ''],
    ['ENV.fetch("UNSET") { "block default" }', 'block default'],
    ['ENV.fetch("UNSET") { |key| 5 }', 5],
    ['ENV.fetch("UNSET", "argument default")', 'argument default'],
    ['ENV.fetch "SET"', 'value'],
    ['ENV.fetch("UNSET", 42).to_i', 42],
    ['Integer(ENV.fetch("UNSET", "17"))', 17],
    ['ENV.fetch("UNSET", nil)', null],
    ['"db-#{ENV["SET"]}-#{ENV.fetch("UNSET") { 1 }}"', 'db-value-1'],
    ['ENV["SET"].presence || "x"', 'value'],
    ['ENV["EMPTY"].presence || "x"', 'x'],
  ];
  for (const [expression, expected] of cases) assert.equal(evaluateExpression(expression, env), expected, expression);
  for (const unsupported of ['ENV.fetch("UNSET")', '`rm -rf /`', 'File.read("/etc/passwd")', 'system("x")', 'ENV["A"] + ENV["B"]']) {
    assert.throws(() => evaluateExpression(unsupported, env), Error, unsupported);
  }
  const rendered = renderErb('a: <%= ENV["SET"] %>\n<% if true %>\nb: <%= `id` %>\n<%# note %>\nc: 1\n', env);
  assert.equal(rendered.text, 'a: value\n\nb: __PGIG_UNRESOLVED_0__\n\nc: 1\n');
  assert.equal(rendered.codeTags, 1);
  assert.deepEqual(rendered.variablesRead, ['SET']);
});

test('.env parsing', () => {
  const values = parseDotEnv(
    [
      '# comment',
      'export A=plain # trailing comment',
      'B="double \\"quoted\\"\\nsecond line"',
      "C='single $A #not a comment'",
      'D=${A}-$HOME_FROM_ENV-${MISSING:-def}',
      'E="multi',
      'line"',
      'F=',
      'not a line',
      'G = spaced ',
    ].join('\n'),
    (name) => (name === 'HOME_FROM_ENV' ? '/home/x' : undefined),
  );
  assert.deepEqual(values, {
    A: 'plain',
    B: 'double "quoted"\nsecond line',
    C: 'single $A #not a comment',
    D: 'plain-/home/x-def',
    E: 'multi\nline',
    F: '',
    G: 'spaced',
  });
});
