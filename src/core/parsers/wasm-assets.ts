import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Finds a parser's WASM file. Bundles (extension, CLI) carry their copies next to
 * themselves in `dist/`; from sources (tests) the file is read from node_modules.
 */
export function locateWasm(fileName: string, packageRelativePath: string): string {
  const beside = path.join(__dirname, fileName);
  if (fs.existsSync(beside)) return beside;
  return require.resolve(packageRelativePath);
}
