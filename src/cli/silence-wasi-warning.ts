// Imported first by main.ts (and by the lint workers): in place before anything else runs.

// Node prints "WASI is an experimental feature" when the Prism parser's WASI host is loaded.
// That is noise for a CLI user; every other warning still shows.
const emitWarning = process.emitWarning;

process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
  const message = typeof warning === 'string' ? warning : warning.message;
  const type = typeof warning === 'string' ? (typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type) : warning.name;
  if (type === 'ExperimentalWarning' && /^WASI is an experimental feature/.test(message)) return;
  return (emitWarning as (...args: unknown[]) => void).call(this, warning, ...rest);
} as typeof process.emitWarning;
