// `npm start`'s sandbox as a child process, for the end-to-end tests that drive it.
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');

export interface SandboxProcess {
  process: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Resolves with the first match of `pattern` in its stdout. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
}

/** Starts the sandbox with a tiny seed; port 0: any free port, so a developer's running sandbox does not clash. */
export function startSandbox(): SandboxProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts/sandbox.ts'), '--scale', '0.01', '--port', '0'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const waitForOutput = (pattern: RegExp, timeoutMs: number) =>
    new Promise<RegExpMatchArray>((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`)), timeoutMs);
      const check = () => {
        const match = pattern.exec(output);
        if (match) {
          clearTimeout(timer);
          child.stdout!.off('data', check);
          resolvePromise(match);
        }
      };
      child.stdout!.on('data', check);
      check();
    });
  return { process: child, output: () => output, waitForOutput };
}
