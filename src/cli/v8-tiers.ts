// Which of V8's compilers a CLI run uses, and when that is decided.
//
// Which: measured on the 3,000-file SQL corpus (2 cores), a lint run lasts a few hundred
// milliseconds, and TurboFan's background compilation costs more CPU than the code it optimizes
// saves in that time (0.51 s CPU for 0.33 s wall; 0.34 s CPU for the same wall without it); and
// it takes the core a second lint thread would use (two threads: 0.38 s with it, 0.27 s
// without). Ruby is the other way round: Prism's deserializer is hot, and 10,000 Rails
// migrations take 1.5 s with TurboFan, 2.9 s without. So a lint run with few Ruby files runs on
// the interpreter and Sparkplug only (useBaselineCompilers), and every run keeps WebAssembly on
// Liftoff, V8's baseline compiler for it (keepWasmOnLiftoff): by default V8 recompiles the hot
// functions of the parsers (libpg-query's 1.7 MB, Prism's 0.5 MB) with TurboFan on background
// threads, which a short run never earns back and waits for at exit (some 70 ms).
//
// When: V8 takes a code cache only under the flags it was made with, Node's own (its modules,
// and the whole bootstrap of a worker thread) as well as ours (the CLI bundle, dist/cli.js).
// Under other flags each is refused and the code compiled from source: a lint helper thread
// took ~50 ms to start instead of ~25. So the flags stay V8's defaults while things load: the
// launcher loads the bundle and writes its code cache under them, and the lint command changes
// them only once its helper threads are up (the first one to load does it; with none, before
// linting starts). A flag set back to its default leaves V8's flag hash as it was, which is how
// the cache written at exit is taken by the next run (restoreDefaultFlags).
// Flags are the process's, shared by every thread.
import { setFlagsFromString } from 'node:v8';

/** The interpreter and Sparkplug only. (max-opt < 3 implies --no-turbofan.) */
const BASELINE_FLAGS = ['--max-opt=1'];
const WASM_FLAGS = ['--liftoff-only'];
/**
 * The defaults of every flag set above and of those they imply, which V8 does not undo by itself
 * (a test holds that the launcher's cache is taken after a run that set them all).
 */
const DEFAULT_FLAGS = ['--max-opt=999', '--turbofan', '--no-liftoff-only', '--wasm-tier-up', '--wasm-dynamic-tiering'];

/** Where the launcher and the bundle (each with its copy of this module) keep what they share. */
const HOOK = Symbol.for('pg-index-guard/compiler-state');

interface CompilerState {
  /** Whether this thread set the flags (the state is a thread's; the flags are the process's). */
  baselineOnly: boolean;
  wasmOnLiftoff: boolean;
  /** The bundle and the code cache V8 took for it, for lint helper threads to load it the same way. */
  codeCache?: BundleCodeCache;
}

export interface BundleCodeCache {
  /** dist/cli.js, whose runWithCodeCache loads the bundle. */
  launcher: string;
  bundle: string;
  data: Buffer;
}

function state(): CompilerState {
  const global = globalThis as unknown as Record<symbol, CompilerState | undefined>;
  return (global[HOOK] ??= { baselineOnly: false, wasmOnLiftoff: false });
}

/** No TurboFan from now on (nor Maglev), WebAssembly on Liftoff; in every thread. */
export function useBaselineCompilers(): void {
  keepWasmOnLiftoff();
  const compilers = state();
  if (compilers.baselineOnly) return;
  compilers.baselineOnly = true;
  for (const flag of BASELINE_FLAGS) setFlagsFromString(flag);
}

/** WebAssembly compiled from now on stays on Liftoff. */
export function keepWasmOnLiftoff(): void {
  const compilers = state();
  if (compilers.wasmOnLiftoff) return;
  compilers.wasmOnLiftoff = true;
  for (const flag of WASM_FLAGS) setFlagsFromString(flag);
}

/**
 * V8's default flags again: what the launcher writes its code cache under, at exit. Set whatever
 * this thread knows, for a helper thread may have changed them.
 */
export function restoreDefaultFlags(): void {
  const compilers = state();
  compilers.baselineOnly = false;
  compilers.wasmOnLiftoff = false;
  for (const flag of DEFAULT_FLAGS) setFlagsFromString(flag);
}

/** The launcher: the code cache V8 took for the bundle (undefined: it refused it). */
export function shareCodeCache(cache: BundleCodeCache | undefined): void {
  state().codeCache = cache;
}

/** The bundle's code cache, when the launcher loaded it with one. */
export function bundleCodeCache(): BundleCodeCache | undefined {
  return state().codeCache;
}
