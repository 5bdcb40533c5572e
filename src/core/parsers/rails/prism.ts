import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';
import type { ParseResult } from '@ruby/prism/src/deserialize.js';
import { parsePrism } from '@ruby/prism/src/parsePrism.js';
import { locateWasm } from '../wasm-assets';

export type PrismParse = (source: string) => ParseResult;

let loading: Promise<PrismParse> | undefined;

/**
 * Loads Prism's WASM build once per process. We do not use the package's own
 * `loadPrism()` because it finds its WASM through `import.meta.url`, which does not
 * survive bundling; this reads the copy shipped beside the bundle instead.
 */
export function loadPrismParser(): Promise<PrismParse> {
  loading ??= (async () => {
    const wasmPath = locateWasm('prism.wasm', '@ruby/prism/src/prism.wasm');
    const module = await WebAssembly.compile(readFileSync(wasmPath));
    const wasi = new WASI({ version: 'preview1' });
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject() as unknown as WebAssembly.Imports);
    wasi.initialize(instance);
    return (source: string) => parsePrism(instance.exports, source, {});
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
