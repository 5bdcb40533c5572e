import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionEnvironment } from './connection-environment';

const config = (database: string, host = '127.0.0.1') => ({ database, host, port: 5432, user: 'app' });

test('the environment of a connection: database.yml says it, else the names given', () => {
  const cases: Array<[string, Parameters<typeof connectionEnvironment>[0], string | null, boolean]> = [
    ['database.yml environment', { source: 'database.yml', label: 'database.yml: production', config: config('chat'), rails: { environment: 'production', name: 'primary', replica: false, migrationsPaths: [] } }, 'production', true],
    ['database.yml, own environment name', { source: 'database.yml', label: 'database.yml: qa', config: config('chat_qa'), rails: { environment: 'qa', name: 'primary', replica: false, migrationsPaths: [] } }, 'qa', false],
    ['DATABASE_URL to a development database', { source: 'DATABASE_URL', label: 'DATABASE_URL (.env)', config: config('chat_development') }, 'development', false],
    ['DATABASE_URL to a production database', { source: 'DATABASE_URL', label: 'DATABASE_URL (environment)', config: config('chat_production') }, 'production', true],
    ['settings entry named prod', { source: 'settings', label: 'Prod replica', config: config('chat') }, 'production', true],
    ['host says staging', { source: 'DATABASE_URL', label: 'DATABASE_URL (.env)', config: config('chat', 'db.staging.example.com') }, 'staging', false],
    ['nothing says', { source: 'DATABASE_URL', label: 'DATABASE_URL (.env)', config: config('chat') }, null, false],
    ['a word inside another is not one', { source: 'DATABASE_URL', label: 'DATABASE_URL (.env)', config: config('products') }, null, false],
  ];
  for (const [what, candidate, name, production] of cases) {
    assert.deepEqual(connectionEnvironment(candidate), { name, production }, what);
  }
});
