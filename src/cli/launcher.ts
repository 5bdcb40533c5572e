// dist/cli.js, the `pg-index-guard` executable: loads the CLI (dist/cli-main.js beside it)
// through V8's code cache. Compiling the bundle costs every CLI run some 10 ms (a 1-file lint:
// 0.09 s -> 0.08 s); with the cache of an earlier run V8 reads the compiled code. Node 22.1+
// does this itself (module.enableCompileCache); on Node 20 the bundle is compiled here with the cached
// data of the last run, as Node's own loader would compile it otherwise. The cache lives in
// the user's cache folder, one file per build of the bundle; any problem with it (unwritable,
// corrupt, from another Node) only means compiling as usual.
import { isAscii } from 'node:buffer';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { restoreDefaultFlags, shareCodeCache } from './v8-tiers';

/** The bundle's content hash, written in at build time: V8 checks a cache against the source's length only. */
declare const CLI_BUNDLE_HASH: string;

interface CliBundle {
  main(): void;
}

const BUNDLE = join(__dirname, 'cli-main.js');

/** Where the cache goes: PG_INDEX_GUARD_CACHE_DIR (empty: no cache), else the platform's cache folder. */
function cacheFolder(): string | null {
  const chosen = process.env['PG_INDEX_GUARD_CACHE_DIR'];
  if (chosen !== undefined) return chosen === '' ? null : chosen;
  const base =
    process.platform === 'win32'
      ? (process.env['LOCALAPPDATA'] ?? join(homedir(), 'AppData', 'Local'))
      : process.platform === 'darwin'
        ? join(homedir(), 'Library', 'Caches')
        : (process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'));
  return join(base, 'pg-index-guard');
}

function readOrNull(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/**
 * mkdir -p, by hand: Node 20's mkdirSync(..., { recursive: true }) never returns for some paths
 * it cannot create (seen with /proc/x).
 */
function makeFolder(folder: string): void {
  try {
    mkdirSync(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || dirname(folder) === folder) throw error;
    makeFolder(dirname(folder));
    mkdirSync(folder);
  }
}

/** Writes the cache beside any other process's (rename is atomic) and drops other builds' caches. */
function saveCache(folder: string, file: string, data: Buffer): void {
  try {
    makeFolder(folder);
    const temporary = join(folder, `${file}.${process.pid}.tmp`);
    writeFileSync(temporary, data);
    renameSync(temporary, join(folder, file));
    for (const other of readdirSync(folder)) {
      if (other !== file && /^cli-.*\.v8$/.test(other)) rmSync(join(folder, other), { force: true });
    }
  } catch {
    // A read-only home or a full disk: the next run compiles as usual.
  }
}

/** A file's text: as latin1 when it is ASCII (esbuild escapes the rest), half the cost of decoding UTF-8. */
function readSource(path: string): string {
  const bytes = readFileSync(path);
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/**
 * Compiles `bundle` as a CommonJS module with V8's cached data and runs it. Also what a lint
 * helper thread runs (lint/parallel.ts), with the data this process's V8 took.
 */
export function runWithCodeCache(bundle: string, cachedData: Buffer | undefined): { exports: unknown; script: Script } {
  const script = new Script(Module.wrap(readSource(bundle)), { filename: bundle, cachedData });
  const loaded = new Module(bundle, module);
  loaded.filename = bundle;
  const compiled = script.runInThisContext() as (...args: unknown[]) => void;
  compiled.call(loaded.exports, loaded.exports, createRequire(bundle), loaded, bundle, dirname(bundle));
  loaded.loaded = true;
  return { exports: loaded.exports, script };
}

/** Node 20: the bundle with the cached code, saving a new cache when there was none. */
function loadWithCodeCache(folder: string): CliBundle {
  const file = `cli-${CLI_BUNDLE_HASH}-${process.version}-${process.arch}.v8`;
  const cached = readOrNull(join(folder, file));
  // At exit, so the cache also holds the functions this run compiled (the whole lint path), and
  // under V8's default flags, which the next run loads the bundle under (see v8-tiers.ts).
  let save = cached === undefined;
  let script: Script | undefined;
  process.once('exit', () => {
    if (!save || !script) return;
    restoreDefaultFlags();
    saveCache(folder, file, script.createCachedData());
  });
  if (cached !== undefined) shareCodeCache({ launcher: __filename, bundle: BUNDLE, data: cached });
  const run = runWithCodeCache(BUNDLE, cached);
  script = run.script;
  if (script.cachedDataRejected === true) {
    save = true;
    shareCodeCache(undefined);
  }
  return run.exports as CliBundle;
}

function load(): CliBundle {
  const folder = cacheFolder();
  const enableCompileCache = (Module as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;
  if (folder === null || enableCompileCache) {
    if (folder !== null) {
      enableCompileCache!(folder);
      // Node writes its cache at exit: under the default flags too.
      process.once('exit', restoreDefaultFlags);
    }
    return require(BUNDLE) as CliBundle;
  }
  return loadWithCodeCache(folder);
}

// As the executable; a lint helper thread requires this file for runWithCodeCache only.
if (require.main === module) load().main();
