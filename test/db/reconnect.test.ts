// The server goes away under a connected session and comes back: the session reports it,
// nothing rejects unhandled, and it reconnects by itself. Own file: it stops its cluster.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { clientConfigsFor } from '../../src/db/connection';
import { DbError } from '../../src/db/errors';
import type { NamedQuery } from '../../src/db/queries';
import { MonitorSession, type SessionStateEvent } from '../../src/db/session';
import { useCluster, waitFor } from './support/postgres';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);
after(() => {
  process.off('unhandledRejection', onUnhandled);
});

const cluster = useCluster({}, async (c) => {
  await c.createDatabase('reconnect_test');
});

const sleep: NamedQuery<[seconds: number], unknown> = { name: 'test_sleep', text: 'SELECT pg_sleep($1::float8)', mapRow: (r) => r };

test('server stopped mid-session: disconnected event, no unhandled rejection, reconnects after restart', async () => {
  const events: SessionStateEvent[] = [];
  const session = new MonitorSession({
    target: cluster().config('reconnect_test'),
    reconnect: { initialDelayMs: 50, maxDelayMs: 300 },
  });
  session.onState((e) => events.push(e));
  try {
    assert.deepEqual(await session.connect(), { ok: true });
    const pidBefore = session.backendPid;

    // a query in flight when the server goes down rejects for the caller that awaits it
    const inFlight = session.run(sleep, [30]).then(
      () => 'resolved',
      (err: unknown) => err,
    );
    await new Promise((r) => setTimeout(r, 100));
    await cluster().stopServer();

    const lost = await waitFor('a disconnected event', async () => events.find((e) => e.state === 'disconnected'));
    assert.ok(lost.reason, 'the event says why');
    assert.equal(lost.reason.kind, 'connection-lost');
    assert.equal(lost.reason.retryable, true);
    assert.ok(lost.retryInMs !== undefined && lost.retryInMs > 0);

    const inFlightError = await inFlight;
    assert.ok(inFlightError instanceof DbError, `in-flight query: ${String(inFlightError)}`);
    assert.equal(inFlightError.description.kind, 'connection-lost');

    // while the server is down: queries fail fast and clearly, attempts keep going
    await assert.rejects(session.query('serverVersion'), (err: unknown) => err instanceof DbError && err.description.kind === 'not-connected');
    await waitFor('a failed reconnect attempt', async () =>
      events.find((e) => e.state === 'disconnected' && e.reason?.kind === 'connection-refused') ? true : undefined,
    );

    await cluster().startServer();
    assert.equal(await session.waitUntilConnected(10_000), true);
    assert.notEqual(session.backendPid, pidBefore);
    assert.equal((await session.query('serverVersion')).length, 1);

    const states = events.map((e) => e.state);
    assert.deepEqual(states.slice(0, 3), ['connecting', 'connected', 'disconnected']);
    assert.equal(states.at(-1), 'connected');
    assert.deepEqual(unhandled, []);
  } finally {
    await session.close();
  }
});

test('sslmode prefer falls back to a plain connection when the server has no SSL', async () => {
  const config = cluster().config('reconnect_test');
  const candidateConfig = { host: config.host, port: config.port, database: config.database, user: config.user, password: String(config.password) };
  const configs = clientConfigsFor({ config: candidateConfig, tls: { mode: 'prefer' } });
  assert.equal(configs.length, 2);
  const session = new MonitorSession({ target: configs, reconnect: false });
  try {
    assert.deepEqual(await session.connect(), { ok: true });
    const ssl: NamedQuery<[], boolean> = { name: 'test_ssl', text: 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()', mapRow: (r) => r['ssl'] === true };
    assert.deepEqual(await session.run(ssl, []), [false]);
  } finally {
    await session.close();
  }

  const required = new MonitorSession({ target: clientConfigsFor({ config: candidateConfig, tls: { mode: 'require' } }), reconnect: false });
  try {
    const outcome = await required.connect();
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.kind, 'ssl-unsupported');
    assert.match(outcome.error.advice, /sslmode/);
  } finally {
    await required.close();
  }
  assert.deepEqual(unhandled, []);
});
