/**
 * What a command may touch of the outside world. Commands write through this instead of
 * `process` so tests can run them in-process and read exactly what a user would see.
 */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  env: Record<string, string | undefined>;
  /** Whether stdout is a terminal (colors, nothing else). */
  stdoutIsTTY: boolean;
}

export function processIO(): CliIO {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
    stdoutIsTTY: process.stdout.isTTY === true,
  };
}

/**
 * Colors on a terminal only. FORCE_COLOR wins over NO_COLOR, as in Node itself
 * (FORCE_COLOR=0 or false turns colors off).
 */
export function useColor(io: CliIO): boolean {
  const force = io.env['FORCE_COLOR'];
  if (force !== undefined) return !(force === '0' || force.toLowerCase() === 'false');
  const noColor = io.env['NO_COLOR'];
  if (noColor !== undefined && noColor !== '') return false;
  return io.stdoutIsTTY && io.env['TERM'] !== 'dumb';
}

/** A user mistake (bad option, missing file, bad config): reported in one line, exit code 2. */
const USAGE_ERROR = Symbol.for('pg-index-guard/usage-error');

export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly [USAGE_ERROR] = true;

  /**
   * The database subcommands are a bundle of their own (dist/cli-commands.js) with its own copy
   * of this class: `instanceof` goes by the shared brand, not by the class object.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [USAGE_ERROR]?: unknown })[USAGE_ERROR] === true;
  }
}
