// Runs squawk (its native binary, from the npm package @squawk-cli/linux-x64: the registry these
// machines reach serves only that platform package of squawk-cli, so depending on squawk-cli
// itself breaks `npm ci`) and reads its JSON report. Shared by the comparison test and the SQL
// benchmark.
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

/** The native squawk binary of this platform's package. */
export function squawkBinary(): string {
  const platformPackage = `@squawk-cli/${process.platform}-${process.arch}`;
  try {
    return require.resolve(`${platformPackage}/bin/squawk`);
  } catch {
    throw new Error(`squawk's binary for this platform is not installed (npm package ${platformPackage}); the comparison runs on linux-x64.`);
  }
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
