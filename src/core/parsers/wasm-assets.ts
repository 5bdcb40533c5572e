// Named imports: for a namespace import, esbuild's bundle defines a getter per export (node:fs has a hundred) when it loads.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Finds a parser's WASM file. Bundles (extension, CLI) carry their copies next to
 * themselves in `dist/`; from sources (tests) the file is read from node_modules.
 */
export function locateWasm(fileName: string, packageRelativePath: string): string {
  const beside = join(__dirname, fileName);
  if (existsSync(beside)) return beside;
  return require.resolve(packageRelativePath);
}
