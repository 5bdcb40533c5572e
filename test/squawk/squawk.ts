// Runs squawk (npm package squawk-cli, its native binary from the platform package it depends
// on: no download at install or run time) and reads its JSON report. Shared by the comparison
// test and the SQL benchmark.
import { spawnSync } from 'node:child_process';

/** One entry of `squawk --reporter=json`. Lines and columns are 0-based. */
export interface SquawkFinding {
  file: string;
  line: number;
  column: number;
  level: string;
  message: string;
  rule_name: string;
}

/** The native squawk binary, as squawk-cli's own launcher finds it. */
export function squawkBinary(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const launcher = require('squawk-cli/js/index.js') as { getBinaryPath(): string };
  return launcher.getBinaryPath();
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
