// Which of V8's compilers a CLI run uses. Measured on the 3,000-file SQL corpus (2 cores): a lint
// run lasts a few hundred milliseconds, and TurboFan's background compilation costs more CPU than
// the code it optimizes saves in that time (0.51 s CPU for 0.33 s wall; 0.34 s CPU for the same
// wall without it); and it takes the core a second lint thread would use (two threads: 0.38 s
// with it, 0.27 s without). Ruby is the other way round: Prism's deserializer is hot, and 10,000
// Rails migrations take 1.5 s with TurboFan, 2.9 s without. So the launcher (dist/cli.js) starts
// V8 with the interpreter and Sparkplug only, and the lint command turns the optimizing
// compilers back on when it has enough Ruby files to earn them (enableOptimizingCompilers).
// Shared by the launcher and the CLI bundle (each has its copy); they talk through globalThis.
import { setFlagsFromString } from 'node:v8';

/** Set by the launcher before anything is compiled: a code cache is only taken under the flags it was made with. */
export const LAUNCH_FLAGS = ['--liftoff-only', '--max-opt=1'] as const;

/** Where the launcher and the bundle (each with its copy of this module) keep what they share. */
const HOOK = Symbol.for('pg-index-guard/launch-state');

interface TierState {
  /** Whether the launcher started V8 without its optimizing compilers (a bundle run directly did not). */
  baselineOnly: boolean;
  /** The launcher's: saves the code cache now, for it would not be taken under other flags. */
  beforeFlagsChange?: () => void;
  /** The bundle and the code cache V8 took for it, for lint helper threads to load it the same way. */
  codeCache?: BundleCodeCache;
}

export interface BundleCodeCache {
  /** dist/cli.js, whose runWithCodeCache loads the bundle. */
  launcher: string;
  bundle: string;
  data: Buffer;
}

function state(): TierState {
  const global = globalThis as unknown as Record<symbol, TierState | undefined>;
  return (global[HOOK] ??= { baselineOnly: false });
}

/** The launcher: sets the launch flags. `beforeFlagsChange` is called (once) if the CLI changes them later. */
export function setLaunchFlags(beforeFlagsChange?: () => void): void {
  for (const flag of LAUNCH_FLAGS) setFlagsFromString(flag);
  const tiers = state();
  tiers.baselineOnly = true;
  tiers.beforeFlagsChange = beforeFlagsChange;
}

/** The launcher: the code cache V8 takes for the bundle (undefined: it refused it). */
export function shareCodeCache(cache: BundleCodeCache | undefined): void {
  state().codeCache = cache;
}

/** The bundle's code cache when the launcher loaded it with one (enableOptimizingCompilers drops it: V8 would refuse it). */
export function bundleCodeCache(): BundleCodeCache | undefined {
  return state().codeCache;
}

/** Whether V8 may optimize now (false only after setLaunchFlags, until enableOptimizingCompilers). */
export function optimizingCompilersEnabled(): boolean {
  return !state().baselineOnly;
}

/** Turns TurboFan back on (for long Ruby runs). Threads started afterwards use it too. */
export function enableOptimizingCompilers(): void {
  const tiers = state();
  if (!tiers.baselineOnly) return;
  tiers.beforeFlagsChange?.();
  tiers.beforeFlagsChange = undefined;
  tiers.baselineOnly = false;
  tiers.codeCache = undefined;
  // max-opt < 3 implied --no-turbofan: both are set back.
  setFlagsFromString('--max-opt=999');
  setFlagsFromString('--turbofan');
}
