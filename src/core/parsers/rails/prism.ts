import { readFileSync } from 'node:fs';
import type { WASI } from 'node:wasi';
import { deserialize, type ParseResult } from '@ruby/prism/src/deserialize.js';
import { locateWasm } from '../wasm-assets';
import { STACK_LIMIT_EXPORT, STACK_POINTER_EXPORT, guardWasmStack } from './prism-stack-guard';

export type PrismParse = (source: string) => ParseResult;

/**
 * Thrown for a file nested more deeply than Prism's stack can follow (some 400 levels of blocks,
 * brackets or calls). The instance that met it is dropped: the next file parses normally.
 */
export class RubyNestingTooDeep extends Error {
  constructor() {
    super('it nests blocks, brackets or calls more deeply than the Ruby parser can follow (some 400 levels)');
  }
}

/** Prism's WASM, compiled once per process (per thread). */
let compiled: WebAssembly.Module | undefined;
let compiling: Promise<PrismParse> | undefined;
/** The instance parses go to; dropped after a trap, made again on the next parse. */
let current: ((source: string) => ParseResult) | undefined;

/**
 * prism.wasm with its stack guarded (prism-stack-guard.ts): the build writes dist/prism.wasm so,
 * from node_modules (sources, tests) the guard is added here.
 */
function prismWasm(): Uint8Array {
  const bytes = readFileSync(locateWasm('prism.wasm', '@ruby/prism/src/prism.wasm'));
  return bytes.includes(STACK_LIMIT_EXPORT) ? bytes : guardWasmStack(bytes).bytes;
}

/** One parse, on the current instance (made now if there is none). */
function parseWithPrism(source: string): ParseResult {
  current ??= parserOf(instantiate((compiled ??= new WebAssembly.Module(prismWasm()))));
  return current(source);
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
  /** Added by guardWasmStack; absent from a module it could not guard. */
  [STACK_POINTER_EXPORT]?: WebAssembly.Global;
  [STACK_LIMIT_EXPORT]?: WebAssembly.Global;
  __stack_low: WebAssembly.Global;
}

/**
 * Prism's own stack is 64 KiB, some 110 levels of nesting: its parses run on one this big instead,
 * taken from its heap once per instance (some 450 levels; about what Prism's JS deserializer
 * follows before the JS stack runs out).
 */
const PRISM_STACK_BYTES = 256 * 1024;

/** Moves the instance's stack to a bigger block of its heap, keeping the guard's margin below it. */
function growStack(prism: PrismExports): void {
  const pointer = prism[STACK_POINTER_EXPORT];
  const limit = prism[STACK_LIMIT_EXPORT];
  if (!pointer || !limit) return;
  const margin = limit.value - prism.__stack_low.value;
  const bottom = prism.malloc(PRISM_STACK_BYTES);
  if (bottom === 0) return;
  limit.value = bottom + margin;
  // The C ABI keeps the stack 16-byte aligned.
  pointer.value = (bottom + PRISM_STACK_BYTES) & ~15;
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
  growStack(prism);
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
    } catch (error) {
      // A trap leaves the instance's memory as it was then (its stack, its heap half-changed):
      // it never parses again, the next parse makes a new one.
      current = undefined;
      throw error instanceof WebAssembly.RuntimeError && stackRanOut(prism) ? new RubyNestingTooDeep() : error;
    }
    try {
      // Views made after the last call that may grow the memory.
      const memory = prism.memory.buffer;
      const serialized = new Uint8Array(memory, prism.pm_buffer_value(output), prism.pm_buffer_length(output));
      return deserialize(new Uint8Array(memory, sourcePointer, written), serialized);
    } catch (error) {
      // The deserializer recurses once per level of nesting: the JS stack may end before Prism's.
      throw error instanceof RangeError ? new RubyNestingTooDeep() : error;
    } finally {
      prism.pm_buffer_free(output);
    }
  };
}

/** Whether the guard's check trapped: the stack pointer was left below its limit. */
function stackRanOut(prism: PrismExports): boolean {
  const pointer = prism[STACK_POINTER_EXPORT];
  const limit = prism[STACK_LIMIT_EXPORT];
  return pointer !== undefined && limit !== undefined && pointer.value < limit.value;
}

function instantiate(module: WebAssembly.Module): WebAssembly.Instance {
  const wasi = newWasi();
  const instance = new WebAssembly.Instance(module, wasi.getImportObject() as unknown as WebAssembly.Imports);
  wasi.initialize(instance);
  return instance;
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
 * Compiles Prism's WASM build once per process, and makes its instance. We do not use the
 * package's own `loadPrism()` because it finds its WASM through `import.meta.url`, which does not
 * survive bundling; this reads the copy shipped beside the bundle instead.
 */
export function loadPrismParser(): Promise<PrismParse> {
  if (compiled) return Promise.resolve(parseWithPrism);
  compiling ??= (async () => {
    const module = await WebAssembly.compile(prismWasm());
    compiled ??= module;
    current ??= parserOf(instantiate(compiled));
    return parseWithPrism;
  })();
  compiling.catch(() => {
    compiling = undefined;
  });
  return compiling;
}

/**
 * Prism, compiled on the first parse (synchronously, some 10 ms) rather than now: for runs that
 * may meet no Ruby file at all (a folder of SQL migrations).
 */
export function lazyPrismParser(): PrismParse {
  return parseWithPrism;
}
