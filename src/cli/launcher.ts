// dist/cli.js, the `pg-index-guard` executable: loads the CLI (dist/cli-main.js beside it). Where
// Node has a compile cache (module.enableCompileCache, Node 22.1+) it is kept in the user's cache
// folder, so a run reads V8's compiled code of the CLI instead of compiling it (Node keys each
// entry by the file's path and content: nothing of another install or build is taken); elsewhere
// the CLI is compiled as usual. A problem with the cache only means compiling as usual.
import Module from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

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

const enableCompileCache = (Module as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;
const folder = enableCompileCache ? cacheFolder() : null;
if (folder !== null) enableCompileCache!(folder);
(require(join(__dirname, 'cli-main.js')) as { main(): void }).main();
