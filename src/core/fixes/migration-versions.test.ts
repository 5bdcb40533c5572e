import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freeVersions, nextVersion, segmentsFromFolderOf, versionFolderOf } from './migration-versions';

test('versionFolderOf: the folder of the file, or Prisma migrations/ for a Prisma migration', () => {
  const cases: Array<[string, string]> = [
    ['/app/db/migrate/20240101000000_add_index.rb', '/app/db/migrate'],
    ['/app/prisma/migrations/20240101000000_add_index/migration.sql', '/app/prisma/migrations'],
    ['C:\\app\\prisma\\migrations\\20240101000000_add_index\\migration.sql', 'C:/app/prisma/migrations'],
    ['/app/sql/migration.sql', '/app/sql'],
    ['001_x.sql', ''],
  ];
  for (const [path, folder] of cases) assert.equal(versionFolderOf(path), folder, path);
});

test('segmentsFromFolderOf: where a new file goes from the linted file\'s folder', () => {
  const cases: Array<[string, string, string[]]> = [
    ['/app/db/migrate/20240101000000_a.rb', '/app/db/migrate/20240101000001_a_on_b.rb', ['20240101000001_a_on_b.rb']],
    [
      '/app/prisma/migrations/20240101000000_a/migration.sql',
      '/app/prisma/migrations/20240101000001_a_on_b/migration.sql',
      ['..', '20240101000001_a_on_b', 'migration.sql'],
    ],
    ['C:\\app\\sql\\0003-a.sql', 'C:/app/sql/0004-a-on_b.sql', ['0004-a-on_b.sql']],
    ['0003-a.sql', '0004-a-on_b.sql', ['0004-a-on_b.sql']],
  ];
  for (const [linted, created, segments] of cases) assert.deepEqual(segmentsFromFolderOf(linted, created), segments, created);
});

test('nextVersion and freeVersions: Rails seconds roll over; taken versions are skipped whatever their padding', () => {
  assert.equal(nextVersion('20241231235959', 1), '20250101000000');
  assert.equal(nextVersion('0099', 1), '0100');
  const rails = (n: number) => nextVersion('20240101000000', n);
  assert.deepEqual(freeVersions(2, rails, undefined), ['20240101000001', '20240101000002']);
  assert.deepEqual(freeVersions(2, rails, ['20240101000001_a.rb', '20240101000003_b.rb', '.keep']), ['20240101000002', '20240101000004']);
  assert.deepEqual(freeVersions(1, (n) => nextVersion('007', n), ['8_a.up.sql', '0009-b.sql']), ['010']);
  assert.deepEqual(freeVersions(1, (n) => `2.${n}`, ['V2.1__a.sql', 'U2.2__a.sql', 'V2_3__b.sql']), ['2.4']);
});
