// What gets published: the .vsix `npm run package` writes (vsce without warnings, the icon, the
// gallery fields, README images inside the package) and the CLI's npm package (`npm run
// pack:cli`: bundles and WASM only, installable and runnable on its own).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { ROOT, tempDir } from './helpers';

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, any>;

/** The entries of a zip file (a .vsix), by name: enough of the format to read vsce's output. */
function readZip(path: string): Map<string, Buffer> {
  const zip = readFileSync(path);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, 'a zip file');
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(offset + 10);
    const compressed = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extra = zip.readUInt16LE(offset + 30);
    const comment = zip.readUInt16LE(offset + 32);
    const local = zip.readUInt32LE(offset + 42);
    const name = zip.subarray(offset + 46, offset + 46 + nameLength).toString('utf8');
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataStart, dataStart + compressed);
    entries.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    offset += 46 + nameLength + extra + comment;
  }
  return entries;
}

function pngSize(png: Buffer): { width: number; height: number } {
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('publishing', () => {
  let folder: { path: string; remove: () => void };
  before(() => {
    folder = tempDir('pg-index-guard-package-');
  });
  after(() => folder.remove());

  test('npm run package writes a .vsix that vsce accepts without a warning, fit for the Marketplace and Open VSX', () => {
    const vsix = join(folder.path, 'pg-index-guard.vsix');
    const run = spawnSync(process.execPath, [join(ROOT, 'scripts/package.mjs'), '--vsix', vsix], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.doesNotMatch(`${run.stdout}${run.stderr}`, /WARNING/i);
    const entries = readZip(vsix);
    const names = [...entries.keys()];

    for (const required of ['extension/package.json', 'extension/readme.md', 'extension/changelog.md', 'extension/LICENSE.txt', 'extension/dist/extension.js', 'extension/dist/cli.js', 'extension/dist/cli-libpg-query.js', 'extension/dist/cli-tree-sitter.js', 'extension/dist/prism.wasm', 'extension/dist/libpg-query.wasm', 'extension/media/icon.png']) {
      assert.ok(names.includes(required), `${required} missing from:\n${names.join('\n')}`);
    }
    const strays = names.filter((name) => /\.(ts|map)$/.test(name) || /(^|\/)(src|test|fixtures|node_modules|scripts|webview)\//.test(name));
    assert.deepEqual(strays, []);

    // The Marketplace and Open VSX refuse an SVG icon; 128x128 is what they show.
    assert.equal(manifest['icon'], 'media/icon.png');
    assert.deepEqual(pngSize(entries.get('extension/media/icon.png')!), { width: 128, height: 128 });
    const vsixManifest = entries.get('extension.vsixmanifest')!.toString('utf8');
    assert.match(vsixManifest, /<Icon>extension\/media\/icon\.png<\/Icon>/);
    assert.match(vsixManifest, /Branding\.Color" Value="#[0-9a-f]{6}"/i);
    assert.match(vsixManifest, /Links\.Support" Value="https:\/\/github\.com\/pg-index-guard\/pg-index-guard\/issues"/);
    assert.match(vsixManifest, /Links\.Learn" Value="https:\/\/github\.com\/pg-index-guard\/pg-index-guard#readme"/);
    // Open VSX: a lowercase name and publisher, a license, a repository.
    assert.match(manifest['name'], /^[a-z0-9][a-z0-9-]*$/);
    assert.match(manifest['publisher'], /^[a-z0-9][a-z0-9-]*$/);
    assert.equal(manifest['license'], 'MIT');
    assert.ok(manifest['repository']?.url);

    // Every image of the README is in the package; vsce points the README at the repository's copy.
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
    assert.ok(images.length > 0);
    const packagedReadme = entries.get('extension/readme.md')!.toString('utf8');
    for (const image of images) {
      assert.doesNotMatch(image, /^https?:|\.svg$/, `${image}: a relative PNG/JPEG, so it resolves from the package`);
      assert.ok(names.includes(`extension/${image}`), `${image} is not in the .vsix`);
      assert.ok(packagedReadme.includes(`https://github.com/pg-index-guard/pg-index-guard/raw/HEAD/${image}`), `${image} not rewritten`);
    }
    // A section per release, the next one on top.
    const changelog = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');
    assert.match(changelog, /^## Unreleased$/m);
    assert.match(changelog, new RegExp(`^## ${manifest['version'].replace(/\./g, '\\.')}$`, 'm'));
  });

  test('npm run pack:cli packs the CLI alone: bundles, WASM and docs, no sources, tests or fixtures; it installs and runs', () => {
    const out = join(folder.path, 'npm');
    const run = spawnSync(process.execPath, [join(ROOT, 'scripts/pack-cli.mjs'), '--out', out], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const [report] = JSON.parse(run.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = report!.files.map((f) => f.path).sort();
    assert.deepEqual(files, [
      'CHANGELOG.md', 'LICENSE', 'README.md', 'dist/cli-commands.js', 'dist/cli-libpg-query.js', 'dist/cli-main.js', 'dist/cli-tree-sitter.js', 'dist/cli.js',
      'dist/libpg-query.wasm', 'dist/prism.wasm', 'dist/tree-sitter-javascript.wasm', 'dist/tree-sitter-python.wasm', 'dist/tree-sitter-typescript.wasm',
      'dist/tree-sitter.wasm', 'package.json',
    ]);
    const tarball = join(out, report!.filename);
    assert.ok(existsSync(tarball));

    // Installed from the tarball alone (no registry: the bundles carry every dependency).
    const prefix = join(folder.path, 'install');
    const install = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball], { encoding: 'utf8' });
    assert.equal(install.status, 0, install.stderr);
    const installed = JSON.parse(readFileSync(join(prefix, 'node_modules/pg-index-guard/package.json'), 'utf8')) as Record<string, any>;
    assert.deepEqual(installed['bin'], { 'pg-index-guard': 'dist/cli.js' });
    assert.equal(installed['dependencies'], undefined);
    assert.equal(installed['version'], manifest['version']);
    const bin = join(prefix, 'node_modules/.bin/pg-index-guard');
    const env = { ...process.env };
    delete env['NODE_OPTIONS'];
    const lint = spawnSync(bin, ['lint', '--format', 'json', join(ROOT, 'test/fixtures/sql/001_add_index_messages_conversation_id.sql')], { encoding: 'utf8', env });
    assert.equal(lint.stderr, '');
    assert.deepEqual((JSON.parse(lint.stdout) as { findings: Array<{ rule: string }> }).findings.map((f) => f.rule), ['require-concurrent-index-creation', 'require-timeouts']);
    // Each parser the package loads on demand: libpg-query (a statement the fast reader leaves
    // to it), tree-sitter (a Django and a Knex migration), Prism (a Rails one).
    const project = join(folder.path, 'project');
    const migrations: Record<string, string> = {
      'db/001_broken.sql': 'CREATE INDEX i ON t (a) WHERE WHERE;\n',
      'app/migrations/0002_index.py':
        "from django.db import migrations, models\n\nclass Migration(migrations.Migration):\n    dependencies = [('app', '0001_initial')]\n    operations = [migrations.AddIndex(model_name='message', index=models.Index(fields=['conversation'], name='msg_conv_idx'))]\n",
      'migrations/20240101000000_index.ts':
        "import type { Knex } from 'knex';\n\nexport async function up(knex: Knex): Promise<void> {\n  await knex.schema.alterTable('messages', (table) => {\n    table.index(['conversation_id']);\n  });\n}\n",
      'db/migrate/20240101000000_add_index.rb':
        'class AddIndex < ActiveRecord::Migration[7.1]\n  def change\n    add_index :messages, :conversation_id\n  end\nend\n',
    };
    for (const [path, text] of Object.entries(migrations)) {
      mkdirSync(dirname(join(project, path)), { recursive: true });
      writeFileSync(join(project, path), text);
    }
    const each = spawnSync(bin, ['lint', '--format', 'json', '.'], { cwd: project, encoding: 'utf8', env });
    assert.equal(each.stderr, '');
    const rulesByFile = new Map<string, string[]>();
    for (const f of (JSON.parse(each.stdout) as { findings: Array<{ file: string; rule: string }> }).findings) rulesByFile.set(f.file, [...(rulesByFile.get(f.file) ?? []), f.rule]);
    assert.deepEqual(rulesByFile.get('db/001_broken.sql'), ['syntax-error']);
    for (const path of Object.keys(migrations).slice(1)) assert.ok(rulesByFile.get(path)?.includes('require-concurrent-index-creation'), `${path}: ${JSON.stringify(rulesByFile.get(path))}`);
    const help = spawnSync(bin, ['lsp', '--help'], { encoding: 'utf8', env });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: pg-index-guard lsp --stdio/);
  });
});
