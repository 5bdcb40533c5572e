// Runs squawk and reads its JSON report. squawk-cli, its npm package, installs a `squawk` command
// that is a node script (js/bin/squawk) spawning the native binary of the platform package
// (@squawk-cli/<platform>, an optional dependency). The comparison test runs the binary itself;
// the SQL benchmark times both. Only the linux-x64 binary is in the registry these machines reach:
// package-lock.json lists the other platforms' packages by hand (npm install drops what it
// cannot fetch, and npm ci then finds the lock out of date).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** One entry of `squawk --reporter=json`. Lines and columns are 0-based. */
export interface SquawkFinding {
  file: string;
  line: number;
  column: number;
  level: string;
  message: string;
  rule_name: string;
}

/** The native squawk binary of this platform's package. */
export function squawkBinary(): string {
  const platformPackage = `@squawk-cli/${process.platform}-${process.arch}`;
  try {
    return require.resolve(`${platformPackage}/bin/squawk`);
  } catch {
    throw new Error(`squawk's binary for this platform is not installed (npm package ${platformPackage}); the comparison runs on linux-x64.`);
  }
}

/** The `squawk` command squawk-cli installs (node_modules/.bin/squawk): a node script. */
export function squawkCommand(): string {
  const manifest = require.resolve('squawk-cli/package.json');
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> };
  return join(dirname(manifest), bin['squawk']!);
}

export interface SquawkRun {
  findings: SquawkFinding[];
  exitCode: number | null;
  stderr: string;
}

/**
 * `squawk --reporter=json <files>`. `assumeInTransaction`: what a project whose runner wraps
 * each file in a transaction (goose, dbmate, Atlas, Flyway) sets in its .squawk.toml.
 */
export function runSquawk(files: string[], options: { cwd: string; assumeInTransaction?: boolean }): SquawkRun {
  const args = ['--reporter=json', options.assumeInTransaction ? '--assume-in-transaction' : '--no-assume-in-transaction', ...files];
  const result = spawnSync(squawkBinary(), args, { cwd: options.cwd, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
  if (result.error) throw result.error;
  // Exit 1 means "found something"; anything else without a report is a failure.
  let findings: SquawkFinding[];
  try {
    findings = JSON.parse(result.stdout || '[]') as SquawkFinding[];
  } catch {
    throw new Error(`squawk printed no JSON report (exit ${result.status}):\n${result.stderr}`);
  }
  return { findings, exitCode: result.status, stderr: result.stderr };
}
