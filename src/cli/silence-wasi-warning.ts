// Imported first by main.ts (and by the lint workers): process-wide settings that must be in
// place before anything else runs.
import { setFlagsFromString } from 'node:v8';

// WebAssembly code stays on Liftoff, V8's baseline compiler. By default V8 recompiles the hot
// functions of the parsers (libpg-query's 1.7 MB, Prism's 0.5 MB) with TurboFan on background
// threads: a short CLI run never earns that back, the recompilation competes with linting for
// the CPUs, and the process waits for it at exit (some 70 ms). Set before any WASM is compiled.
setFlagsFromString('--liftoff-only');

// Node prints "WASI is an experimental feature" when the Prism parser's WASI host is loaded.
// That is noise for a CLI user; every other warning still shows.
const emitWarning = process.emitWarning;

process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
  const message = typeof warning === 'string' ? warning : warning.message;
  const type = typeof warning === 'string' ? (typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type) : warning.name;
  if (type === 'ExperimentalWarning' && /^WASI is an experimental feature/.test(message)) return;
  return (emitWarning as (...args: unknown[]) => void).call(this, warning, ...rest);
} as typeof process.emitWarning;
