import { readFileSync } from 'node:fs';
import type { WASI } from 'node:wasi';
import { deserialize, type ParseResult } from '@ruby/prism/src/deserialize.js';
import { locateWasm } from '../wasm-assets';

export type PrismParse = (source: string) => ParseResult;

let loading: Promise<PrismParse> | undefined;
let ready: PrismParse | undefined;

function prismWasm(): Buffer {
  return readFileSync(locateWasm('prism.wasm', '@ruby/prism/src/prism.wasm'));
}

/** The exports of prism.wasm the parse uses. */
interface PrismExports {
  memory: { buffer: ArrayBuffer };
  malloc(size: number): number;
  free(pointer: number): void;
  pm_buffer_sizeof(): number;
  pm_buffer_init(buffer: number): void;
  pm_buffer_value(buffer: number): number;
  pm_buffer_length(buffer: number): number;
  pm_buffer_free(buffer: number): void;
  pm_serialize_parse(buffer: number, source: number, length: number, options: number): void;
}

/**
 * The options `parsePrism(exports, source, {})` packs (the package's dumpOptions): no file path,
 * line 1, no encoding, no flags, latest Ruby, no scopes; little-endian integers.
 */
const DEFAULT_OPTIONS = new Uint8Array([0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
const utf8 = new TextEncoder();

/**
 * What the package's parsePrism does, minus its per-call costs: the options are packed once,
 * the source is encoded straight into WASM memory (into a buffer kept from one parse to the
 * next), and the output buffer's header is allocated once. The source bytes and the output are
 * read in place by the package's own deserializer, as parsePrism does.
 */
function parserOf(instance: WebAssembly.Instance): PrismParse {
  const prism = instance.exports as unknown as PrismExports;
  const options = prism.malloc(DEFAULT_OPTIONS.length);
  new Uint8Array(prism.memory.buffer, options, DEFAULT_OPTIONS.length).set(DEFAULT_OPTIONS);
  const output = prism.malloc(prism.pm_buffer_sizeof());
  let sourcePointer = 0;
  let capacity = 0;
  return (source: string) => {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    const needed = source.length * 3 + 1;
    if (needed > capacity) {
      if (sourcePointer !== 0) prism.free(sourcePointer);
      capacity = Math.max(needed, 64 * 1024);
      sourcePointer = prism.malloc(capacity);
    }
    const { written } = utf8.encodeInto(source, new Uint8Array(prism.memory.buffer, sourcePointer, capacity));
    prism.pm_buffer_init(output);
    try {
      prism.pm_serialize_parse(output, sourcePointer, written, options);
      // Views made after the last call that may grow the memory.
      const memory = prism.memory.buffer;
      const serialized = new Uint8Array(memory, prism.pm_buffer_value(output), prism.pm_buffer_length(output));
      return deserialize(new Uint8Array(memory, sourcePointer, written), serialized);
    } finally {
      prism.pm_buffer_free(output);
    }
  };
}

/**
 * Required here, not imported at the top: loading node:wasi costs some 0.4 ms (and a warning),
 * which a run over SQL migrations alone never needs.
 */
function newWasi(): WASI {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { WASI } = require('node:wasi') as typeof import('node:wasi');
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
