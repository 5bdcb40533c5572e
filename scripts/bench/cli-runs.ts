// Running and measuring command lines for the bench sections: the bundled CLI (built once),
// the peer's binary, and a CPU-profiled run of the CLI. Wall time is taken here, start-up
// included; CPU and peak RSS come from GNU time when present, else (for node commands) from a
// reporter preloaded into the child.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizeCpuProfiles } from './cpu-profile';
import { ms, printTable, seconds } from './table';

export const ROOT = join(__dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');
/** The CLI's code, which dist/cli.js (a launcher) loads: profiles name its lines. */
const CLI_MAIN = join(ROOT, 'dist', 'cli-main.js');
const TIME = '/usr/bin/time';
const USAGE_MARKER = '@@pg-index-guard-bench-usage@@';

/**
 * Options of the sections that lint a corpus: `--files n --runs n --seed n --profile --no-build --keep`
 * (for the generated one), `--generated` (that one even when the real-world corpus of
 * `npm run bench:corpus` is there).
 */
export const CORPUS_BENCH_OPTIONS = {
  files: { type: 'string' },
  generated: { type: 'boolean' },
  runs: { type: 'string' },
  profile: { type: 'boolean' },
  'no-build': { type: 'boolean' },
  keep: { type: 'boolean' },
  seed: { type: 'string' },
} as const;

export interface CommandRun {
  wallMs: number;
  cpuMs: number | null;
  maxRssBytes: number | null;
  exitCode: number | null;
  stdout: string;
  /** The command's own stderr (GNU time's report and the usage line taken out). */
  stderr: string;
}

export function buildCli(): void {
  const started = performance.now();
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`build failed:\n${result.stdout}${result.stderr}`);
  console.log(`built dist/cli.js in ${seconds(performance.now() - started)}`);
}

let hasGnuTime: boolean | undefined;
let usageReporter: string | undefined;

/** Without GNU time a node child reports its own rusage on exit, through this preloaded file. */
function reporterFile(): string {
  if (!usageReporter) {
    usageReporter = join(mkdtempSync(join(tmpdir(), 'pgig-bench-usage-')), 'usage-reporter.cjs');
    writeFileSync(
      usageReporter,
      `process.on('exit', () => { const u = process.resourceUsage(); ` +
        `require('fs').writeSync(2, '${USAGE_MARKER}' + JSON.stringify({ cpu: (u.userCPUTime + u.systemCPUTime) / 1000, rss: u.maxRSS * 1024 }) + '\\n'); });\n`,
    );
  }
  return usageReporter;
}

export interface MeasureOptions {
  env?: NodeJS.ProcessEnv;
  /**
   * A node script that starts other processes (whose usage a reporter preloaded into it would
   * miss): without GNU time its CPU and RSS are then unknown.
   */
  spawnsChildren?: boolean;
  /**
   * Output to /dev/null rather than read through a pipe: a command that prints megabytes waits
   * for the reader of a pipe, the more the more it prints, which is no part of its own speed.
   */
  discardOutput?: boolean;
}

/** One run of a command. */
export function measureCommand(command: string, args: string[], cwd: string, options: MeasureOptions = {}): CommandRun {
  const { env = process.env, spawnsChildren = false, discardOutput = false } = options;
  hasGnuTime ??= existsSync(TIME) && spawnSync(TIME, ['-v', 'true']).status === 0;
  const preload = !hasGnuTime && command === process.execPath && !spawnsChildren;
  const commandArgs = preload ? ['--require', reporterFile(), ...args] : args;
  const [file, argv] = hasGnuTime ? [TIME, ['-v', command, ...commandArgs]] : [command, commandArgs];
  const started = performance.now();
  const stdio = discardOutput ? (['ignore', 'ignore', 'pipe'] as const) : (['ignore', 'pipe', 'pipe'] as const);
  const result = spawnSync(file, argv, { cwd, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024, env, stdio: [...stdio] });
  const wallMs = performance.now() - started;
  let stderr = result.stderr ?? '';
  let cpuMs: number | null = null;
  let maxRssBytes: number | null = null;
  if (hasGnuTime) {
    const field = (name: string) => Number(new RegExp(`${name}: ([\\d.]+)`).exec(stderr)?.[1] ?? NaN);
    cpuMs = (field('User time \\(seconds\\)') + field('System time \\(seconds\\)')) * 1000;
    maxRssBytes = field('Maximum resident set size \\(kbytes\\)') * 1024;
    stderr = stderr.slice(0, Math.max(0, stderr.indexOf('\tCommand being timed')));
  } else if (preload) {
    const lines = stderr.split('\n');
    const line = lines.find((l) => l.startsWith(USAGE_MARKER));
    if (line) {
      const usage = JSON.parse(line.slice(USAGE_MARKER.length)) as { cpu: number; rss: number };
      cpuMs = usage.cpu;
      maxRssBytes = usage.rss;
      stderr = lines.filter((l) => l !== line).join('\n');
    }
  }
  return {
    wallMs,
    cpuMs: cpuMs === null || Number.isNaN(cpuMs) ? null : cpuMs,
    maxRssBytes: maxRssBytes === null || Number.isNaN(maxRssBytes) ? null : maxRssBytes,
    exitCode: result.status,
    stdout: result.stdout ?? '',
    stderr,
  };
}

/** One single-threaded CLI lint of `target` under --cpu-prof, summarized by where the time goes. */
export function profileCli(work: string, target: string, profileDir = join(work, 'cpu-profile')): void {
  const env: NodeJS.ProcessEnv = { ...process.env, PG_INDEX_GUARD_THREADS: '1', PG_INDEX_GUARD_CACHE_DIR: '' };
  delete env['NODE_EXTRA_CA_CERTS'];
  const result = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, CLI, 'lint', target, '--format', 'json'], {
    cwd: work,
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
    env,
  });
  if (result.status === null || result.status > 1) {
    console.log(`profiling run failed (exit ${result.status}): ${result.stderr}`);
    return;
  }
  const profile = summarizeCpuProfiles(profileDir, CLI_MAIN);
  printTable(
    `CPU profile of one single-threaded CLI run (sampled ${seconds(profile.totalMs)}; profiling slows it down)`,
    profile.categories.filter((c) => c.ms >= 1).map((c) => ({ 'where the time goes': c.category, time: ms(c.ms, 0), share: `${(c.share * 100).toFixed(1)} %` })),
  );
  printTable('Hottest functions (self time)', profile.hottest.map((f) => ({ function: f.fn, module: f.module, 'self time': ms(f.ms, 0) })));
}
