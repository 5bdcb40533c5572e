import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import pg from 'pg';
import type { PgIndexGuardApi } from '../../src/extension/extension';
import { activateExtension, typeIntoQuickInput } from './support';

// Not a real secret: a throwaway role in the suite's throwaway database.
const APP_PASSWORD = 'app-role-password-42';

describe('a connection that needs a password', () => {
  let api: PgIndexGuardApi;
  let url: URL;

  before(async () => {
    api = await activateExtension();
    await api.connections.disconnect();
    url = new URL(process.env.DATABASE_URL!);
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE ROLE pgig_app LOGIN PASSWORD '${APP_PASSWORD}'`);
    await admin.query('GRANT pg_monitor TO pgig_app');
    await admin.end();
    // A named connection in settings: no password there, ever.
    await vscode.workspace
      .getConfiguration('pgIndexGuard')
      .update('connections', [{ name: 'app role', host: url.hostname, port: Number(url.port), database: 'chat_test', user: 'pgig_app', sslmode: 'disable' }], vscode.ConfigurationTarget.Workspace);
  });

  after(async () => {
    await api.connections.disconnect();
    await api.connections.forgetPasswords();
    await vscode.workspace.getConfiguration('pgIndexGuard').update('connections', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('asks for the password once, keeps it in secret storage, and never in settings', async () => {
    const candidate = api.connections.findCandidates().candidates.find((c) => c.source === 'settings')!;
    assert.ok(candidate?.needsPassword);
    const connecting = api.connections.connect(candidate, { interactive: true });
    await typeIntoQuickInput('password-prompt', APP_PASSWORD);
    assert.equal(await connecting, true, String(api.connections.lastFailure?.title));
    assert.equal(api.connections.current?.candidate.config.user, 'pgig_app');
    await api.connections.disconnect();

    // Second time: no prompt (a prompt would hang this non-interactive connect).
    assert.equal(await api.connections.connect(candidate, { interactive: false }), true);
    // null: the workspace's value (a resource-scoped setting read without one draws VS Code's warning).
    const settings = JSON.stringify(vscode.workspace.getConfiguration('pgIndexGuard', null).get('connections'));
    assert.doesNotMatch(settings, new RegExp(APP_PASSWORD));
  });

  it('a wrong stored password is reported with what to do, and nothing throws', async () => {
    await api.connections.disconnect();
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query("ALTER ROLE pgig_app PASSWORD 'changed-elsewhere'");
    await admin.end();
    const candidate = api.connections.findCandidates().candidates.find((c) => c.source === 'settings')!;
    assert.equal(await api.connections.connect(candidate, { interactive: false }), false);
    assert.equal(api.connections.lastFailure?.kind, 'wrong-password');
    assert.match(`${api.connections.lastFailure?.title} ${api.connections.lastFailure?.advice}`, /password/i);
    assert.equal(api.connections.state, 'none');
  });
});
