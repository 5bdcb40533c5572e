// `npm run bench:corpus`: rebuilds the real-world corpus the sql and lint bench sections use when
// it is present: the migrations of public projects (scripts/bench/corpus-repos.json: repository,
// pinned commit, which paths hold migrations), written under the user's cache, never into the
// repository: <PGIG_CACHE_DIR or $XDG_CACHE_HOME/pg-index-guard or ~/.cache/pg-index-guard>/corpus/
// {sql,rails}/<owner>+<name>/<path in the repository>. Paths are kept, so the CLI sees each
// project's layout (Prisma's <version>/migration.sql, goose's and golang-migrate's names...).
// Files come from bare git mirrors (PGIG_MIRROR_DIR, default /work/.mirror/<owner>+<name>/repo), read
// at the pinned commit with `git cat-file`; a missing mirror is named with the fetch that brings it.
// Usage: npm run bench:corpus [-- --kind sql|rails] [--check]   (--check: report, write nothing)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

export type CorpusKind = 'sql' | 'rails';

interface PinnedRepo {
  kind: CorpusKind;
  repo: string;
  commit: string;
  tool?: string;
  include: string[];
  exclude?: string[];
}

/** What a built corpus holds (corpus/<kind>/manifest.json), for the bench to print. */
export interface CorpusManifest {
  kind: CorpusKind;
  folder: string;
  files: number;
  bytes: number;
  lines: number;
  projects: Array<{ repo: string; commit: string; files: number; tool?: string }>;
  /** The pinned list's hash when built: a different one means the list changed since. */
  listHash: string;
}

const LIST = join(__dirname, 'corpus-repos.json');

/** The cache folder scripts/ensure-vscode-server.sh uses too. */
export function cacheRoot(): string {
  const chosen = process.env['PGIG_CACHE_DIR'];
  if (chosen) return chosen;
  return join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'pg-index-guard');
}

export function corpusFolder(kind: CorpusKind): string {
  return join(cacheRoot(), 'corpus', kind);
}

function mirrorRoot(): string {
  return process.env['PGIG_MIRROR_DIR'] || '/work/.mirror';
}

function mirrorOf(repo: string): string {
  return join(mirrorRoot(), repo.replace('/', '+'), 'repo');
}

function pinnedList(): { repos: PinnedRepo[]; hash: string } {
  const text = readFileSync(LIST, 'utf8');
  return { repos: (JSON.parse(text) as { repos: PinnedRepo[] }).repos, hash: createHash('sha256').update(text).digest('hex').slice(0, 16) };
}

/** The built corpus of `kind`, or null when there is none (the bench then generates one). */
export function loadCorpus(kind: CorpusKind): (CorpusManifest & { stale: boolean }) | null {
  const file = join(corpusFolder(kind), 'manifest.json');
  if (!existsSync(file)) return null;
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as CorpusManifest;
  return { ...manifest, folder: corpusFolder(kind), stale: manifest.listHash !== pinnedList().hash };
}

/** `*` within a folder, `**` across folders, `?` one character; the rest literal. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      out += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

function git(gitDir: string, args: string[], input?: string): Buffer {
  const result = spawnSync('git', [`--git-dir=${gitDir}`, ...args], { input, maxBuffer: 1024 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} in ${gitDir} failed: ${result.stderr?.toString() ?? result.error}`);
  return result.stdout;
}

/** The pinned files of one repository: [path, content] at its commit. */
function filesOf(pinned: PinnedRepo): Array<[string, Buffer]> {
  const gitDir = mirrorOf(pinned.repo);
  const include = pinned.include.map(globToRegExp);
  const exclude = (pinned.exclude ?? []).map(globToRegExp);
  const paths = git(gitDir, ['ls-tree', '-r', '--name-only', '-z', pinned.commit])
    .toString('utf8')
    .split('\0')
    .filter((p) => p !== '' && include.some((r) => r.test(p)) && !exclude.some((r) => r.test(p)));
  if (paths.length === 0) return [];
  // One `git cat-file --batch` for all: "<oid> blob <size>\n<bytes>\n" per file, in order.
  const out = git(gitDir, ['cat-file', '--batch'], paths.map((p) => `${pinned.commit}:${p}\n`).join(''));
  const files: Array<[string, Buffer]> = [];
  let at = 0;
  for (const path of paths) {
    const headerEnd = out.indexOf(10, at);
    const header = out.subarray(at, headerEnd).toString('utf8').split(' ');
    if (header[1] !== 'blob') throw new Error(`${pinned.repo}: ${path} is not a file at ${pinned.commit} (${header.join(' ')})`);
    const size = Number(header[2]);
    files.push([path, out.subarray(headerEnd + 1, headerEnd + 1 + size)]);
    at = headerEnd + 1 + size + 1;
  }
  return files;
}

export function buildCorpus(kinds: CorpusKind[], check = false): number {
  const { repos, hash } = pinnedList();
  const missing = repos.filter((r) => kinds.includes(r.kind) && !existsSync(mirrorOf(r.repo)));
  if (missing.length > 0) {
    console.error(`Missing git mirrors (looked in ${mirrorRoot()}; PGIG_MIRROR_DIR overrides). Bring each with the fetch tool:`);
    for (const r of missing) console.error(`  fetch github:${r.repo}   (then: ${mirrorOf(r.repo)})`);
    return 1;
  }
  for (const kind of kinds) {
    const folder = corpusFolder(kind);
    if (!check) rmSync(folder, { recursive: true, force: true });
    const manifest: CorpusManifest = { kind, folder, files: 0, bytes: 0, lines: 0, projects: [], listHash: hash };
    for (const pinned of repos.filter((r) => r.kind === kind)) {
      const files = filesOf(pinned);
      const base = join(folder, pinned.repo.replace('/', '+'));
      for (const [path, content] of files) {
        if (!check) {
          mkdirSync(dirname(join(base, path)), { recursive: true });
          writeFileSync(join(base, path), content);
        }
        manifest.bytes += content.length;
        for (let i = 0; i < content.length; i++) if (content[i] === 10) manifest.lines++;
      }
      manifest.files += files.length;
      manifest.projects.push({ repo: pinned.repo, commit: pinned.commit, files: files.length, ...(pinned.tool ? { tool: pinned.tool } : {}) });
      console.log(`${kind}: ${pinned.repo.padEnd(40)} ${String(files.length).padStart(5)} files  ${pinned.tool ?? ''}`);
    }
    if (!check) writeFileSync(join(folder, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    console.log(
      `${kind}: ${manifest.files} files, ${(manifest.bytes / 1024 / 1024).toFixed(1)} MiB, ${manifest.lines} lines from ${manifest.projects.length} projects` +
        (check ? ' (--check: nothing written)' : ` in ${folder}`),
    );
  }
  return 0;
}

if (process.argv[1] && /bench[\\/]corpus\.ts$/.test(process.argv[1])) {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { kind: { type: 'string' }, check: { type: 'boolean' } } });
  const kinds: CorpusKind[] = values.kind === 'sql' || values.kind === 'rails' ? [values.kind] : ['sql', 'rails'];
  process.exit(buildCorpus(kinds, values.check === true));
}
