import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';
import type { ParseResult } from '@ruby/prism/src/deserialize.js';
import { parsePrism } from '@ruby/prism/src/parsePrism.js';
import { locateWasm } from '../wasm-assets';

export type PrismParse = (source: string) => ParseResult;

let loading: Promise<PrismParse> | undefined;
let ready: PrismParse | undefined;

function prismWasm(): Buffer {
  return readFileSync(locateWasm('prism.wasm', '@ruby/prism/src/prism.wasm'));
}

function parserOf(instance: WebAssembly.Instance): PrismParse {
  return (source: string) => parsePrism(instance.exports, source, {});
}

function newWasi(): WASI {
  return new WASI({ version: 'preview1' });
}

/**
 * Loads Prism's WASM build once per process. We do not use the package's own
 * `loadPrism()` because it finds its WASM through `import.meta.url`, which does not
 * survive bundling; this reads the copy shipped beside the bundle instead.
 */
export function loadPrismParser(): Promise<PrismParse> {
  if (ready) return Promise.resolve(ready);
  loading ??= (async () => {
    const module = await WebAssembly.compile(prismWasm());
    const wasi = newWasi();
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject() as unknown as WebAssembly.Imports);
    wasi.initialize(instance);
    ready ??= parserOf(instance);
    return ready;
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

/**
 * Prism, compiled on the first parse (synchronously, some 10 ms) rather than now: for runs that
 * may meet no Ruby file at all (a folder of SQL migrations).
 */
export function lazyPrismParser(): PrismParse {
  return (source) => {
    if (!ready) {
      const module = new WebAssembly.Module(prismWasm());
      const wasi = newWasi();
      const instance = new WebAssembly.Instance(module, wasi.getImportObject() as unknown as WebAssembly.Imports);
      wasi.initialize(instance);
      ready = parserOf(instance);
    }
    return ready(source);
  };
}
