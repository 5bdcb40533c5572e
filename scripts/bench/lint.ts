// `npm run bench -- lint`: the linter over a generated corpus of Rails migrations, and over the
// real-world one of `npm run bench:corpus` when it is built (corpus.ts; --generated skips it).
//  - CLI: `node dist/cli.js lint <dir> --format json`, wall time including start-up, CPU, peak RSS.
//  - Editor path: lintSource per file with parsers loaded (what the extension does on an edit).
// Targets: 10,000 files under 2 s through the CLI; p95 under 2 ms per file in the editor path.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { buildCli, CLI, CORPUS_BENCH_OPTIONS, measureCommand, profileCli, ROOT, type CommandRun } from './cli-runs';
import { loadCorpus } from './corpus';
import type { EditorPathResult } from './lint-editor-path';
import { writeRailsCorpus } from './rails-corpus';
import type { BenchSection } from './section';
import { count, median, mib, ms, percentile, printTable, seconds, type Row } from './table';

const CLI_TARGET_MS = 2000;
const CLI_TARGET_FILES = 10_000;
const EDITOR_P95_TARGET_MS = 2;

interface CliRun extends CommandRun {
  summary: { files: number; findings: number; parseErrors: number } | null;
}

export const lintSection: BenchSection = {
  name: 'lint',
  description: `CLI and editor-path lint speed over ${count(CLI_TARGET_FILES)} generated Rails migrations`,
  async run(args) {
    const { values } = parseArgs({
      args,
      strict: false,
      options: CORPUS_BENCH_OPTIONS,
    });
    const fileCount = Number(values.files ?? CLI_TARGET_FILES);
    const runs = Math.max(1, Number(values.runs ?? 3));
    const seed = Number(values.seed ?? 20240601);

    if (values['no-build'] !== true || !existsSync(CLI)) buildCli();
    const work = mkdtempSync(join(tmpdir(), 'pg-index-guard-bench-'));
    try {
      let t0 = performance.now();
      const corpus = writeRailsCorpus(work, fileCount, seed);
      console.log(
        `corpus: ${count(corpus.files)} migrations, ${(corpus.bytes / 1024 / 1024).toFixed(1)} MiB, ` +
          `${count(corpus.lines)} lines, in ${corpus.folder} (written in ${seconds(performance.now() - t0)}, seed ${seed})`,
      );
      const load = loadavg().map((l) => l.toFixed(2)).join(' ');
      console.log(`machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}, load average ${load}`);

      // Start-up alone: one small file.
      const oneFile = join(corpus.folder, readdirSync(corpus.folder).sort()[0]!);
      const startup = Array.from({ length: 5 }, () => runCli([oneFile], work));

      // The real-world Rails corpus (npm run bench:corpus), when built: its apps' migrations, linted
      // from the corpus folder, interleaved with the generated corpus's runs.
      const real = values.generated === true ? null : loadCorpus('rails');
      if (real) {
        console.log(
          `real-world corpus: ${count(real.files)} Rails migrations from ${real.projects.length} apps, ${(real.bytes / 1024 / 1024).toFixed(1)} MiB, ` +
            `${count(real.lines)} lines, in ${real.folder}${real.stale ? ' (STALE: npm run bench:corpus rebuilds it)' : ''}\n  ` +
            real.projects.map((p) => `${p.repo} ${count(p.files)}`).join(', '),
        );
      } else console.log('real-world corpus: none (npm run bench:corpus builds it)');
      const realCwd = real ? dirname(real.folder) : '';

      // The whole corpus: `lint db` from the app root, as a user would.
      const cliRuns: CliRun[] = [];
      const realRuns: CliRun[] = [];
      for (let i = 0; i < runs; i++) {
        cliRuns.push(runCli(['db'], work));
        if (real) realRuns.push(runCli(['rails'], realCwd));
      }
      const bad = [...cliRuns, ...realRuns].find((r) => r.summary === null);
      if (bad) throw new Error(`the CLI did not print a JSON report (exit ${bad.exitCode}):\n${bad.stderr}`);

      t0 = performance.now();
      const editor = await measureEditorPath(corpus.folder, work);
      const editorWallMs = performance.now() - t0;

      const cliWall = median(cliRuns.map((r) => r.wallMs));
      const cliCpu = cliRuns.every((r) => r.cpuMs !== null) ? median(cliRuns.map((r) => r.cpuMs!)) : null;
      const cliRss = Math.max(...cliRuns.map((r) => r.maxRssBytes ?? 0));
      const summary = cliRuns[0]!.summary!;
      const scaledTarget = (CLI_TARGET_MS * fileCount) / CLI_TARGET_FILES;
      const warm = editor.times.slice(1).sort((a, b) => a - b);
      const all = [...editor.times].sort((a, b) => a - b);
      const p95 = percentile(warm, 95);
      const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');

      const rows: Row[] = [
        {
          metric: 'CLI start-up (1 file, median of 5)',
          value: ms(median(startup.map((r) => r.wallMs)), 0),
          target: '',
          result: '',
        },
        {
          metric: `CLI wall, ${count(fileCount)} files incl. start-up (median of ${runs}; min ${seconds(Math.min(...cliRuns.map((r) => r.wallMs)))})`,
          value: seconds(cliWall),
          target: `< ${seconds(scaledTarget)}`,
          result: verdict(cliWall < scaledTarget),
        },
        { metric: 'CLI CPU time, user + sys (median)', value: cliCpu === null ? 'n/a' : seconds(cliCpu), target: '', result: '' },
        { metric: 'CLI files per second (wall)', value: count((summary.files / cliWall) * 1000), target: `> ${count(CLI_TARGET_FILES / (CLI_TARGET_MS / 1000))}`, result: verdict(cliWall < scaledTarget) },
        { metric: 'CLI peak RSS', value: cliRss > 0 ? mib(cliRss) : 'n/a', target: '', result: '' },
        ...(real ? realRows(realRuns, real.files, summary.files / cliWall) : []),
        { metric: 'CLI report: files / findings / parse errors', value: `${count(summary.files)} / ${count(summary.findings)} / ${summary.parseErrors}`, target: '', result: '' },
        { metric: 'Editor: parser load (once)', value: ms(editor.parserLoadMs, 1), target: '', result: '' },
        { metric: 'Editor: first file (cold JIT)', value: ms(editor.times[0] ?? NaN, 2), target: '', result: '' },
        { metric: 'Editor: p50 per file', value: ms(percentile(warm, 50), 3), target: '', result: '' },
        { metric: 'Editor: p95 per file', value: ms(p95, 3), target: `< ${ms(EDITOR_P95_TARGET_MS, 0)}`, result: verdict(p95 < EDITOR_P95_TARGET_MS) },
        { metric: 'Editor: p99 per file', value: ms(percentile(warm, 99), 3), target: '', result: '' },
        { metric: 'Editor: max per file (all, incl. GC pauses)', value: ms(all[all.length - 1] ?? NaN, 2), target: '', result: '' },
        { metric: 'Editor: total lint time', value: seconds(editor.times.reduce((a, b) => a + b, 0)), target: '', result: '' },
        { metric: 'Editor: RSS / heap used after the corpus', value: `${mib(editor.rssBytes)} / ${mib(editor.heapUsedBytes)}`, target: '', result: '' },
        { metric: 'Editor: peak RSS (maxRSS)', value: mib(editor.maxRssBytes), target: '', result: '' },
      ];
      printTable(`lint: ${count(fileCount)} Rails migrations (editor-path process wall ${seconds(editorWallMs)})`, rows);
      console.log(
        `\nnotes: lint threads are chosen from ${availableParallelism()} available CPUs (PG_INDEX_GUARD_THREADS overrides); ` +
          'wall time on a shared machine is noisy: CPU time is the steadier figure.',
      );

      if (values.profile === true || cliWall >= scaledTarget) {
        console.log(values.profile === true ? '\nProfiling the CLI (--profile)...' : '\nThe CLI missed its target: profiling one run (node --cpu-prof)...');
        profileCli(work, 'db');
      }
    } finally {
      if (values.keep === true) console.log(`kept ${work}`);
      else rmSync(work, { recursive: true, force: true });
    }
  },
};

/** The real-world corpus's figures, against the generated corpus's files per second (`generatedRate`, per ms). */
function realRows(runs: CliRun[], files: number, generatedRate: number): Row[] {
  const wall = median(runs.map((r) => r.wallMs));
  const cpu = runs.every((r) => r.cpuMs !== null) ? median(runs.map((r) => r.cpuMs!)) : null;
  const summary = runs[0]!.summary!;
  const rate = summary.files / wall;
  return [
    { metric: `Real-world: CLI wall, ${count(files)} Rails migrations incl. start-up (median of ${runs.length})`, value: seconds(wall), target: '', result: '' },
    { metric: 'Real-world: CLI CPU time, user + sys (median)', value: cpu === null ? 'n/a' : seconds(cpu), target: '', result: '' },
    {
      metric: 'Real-world: CLI files per second (wall)',
      value: count(rate * 1000),
      target: '',
      result: `${(rate / generatedRate).toFixed(2)}x the generated corpus's rate`,
    },
    { metric: 'Real-world: report: files / findings / parse errors', value: `${count(summary.files)} / ${count(summary.findings)} / ${summary.parseErrors}`, target: '', result: '' },
  ];
}

/** The bundled CLI over `paths`, with the report's summary. */
function runCli(paths: string[], cwd: string): CliRun {
  // Without NODE_EXTRA_CA_CERTS, as users run it (these machines set it: node then reads a CA bundle first).
  const env = { ...process.env };
  delete env['NODE_EXTRA_CA_CERTS'];
  const run = measureCommand(process.execPath, [CLI, 'lint', ...paths, '--format', 'json'], cwd, { env });
  let summary: CliRun['summary'] = null;
  try {
    summary = (JSON.parse(run.stdout) as { summary: CliRun['summary'] }).summary;
  } catch {
    summary = null;
  }
  return { ...run, summary };
}

/** Bundles lint-editor-path.ts like the extension is bundled (WASM beside it) and runs it in a child. */
async function measureEditorPath(folder: string, work: string): Promise<EditorPathResult> {
  const out = join(work, 'editor-path');
  await build({
    entryPoints: [join(__dirname, 'lint-editor-path.ts')],
    outfile: join(out, 'editor-path.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
  });
  for (const wasm of ['prism.wasm', 'libpg-query.wasm']) {
    if (existsSync(join(ROOT, 'dist', wasm))) copyFileSync(join(ROOT, 'dist', wasm), join(out, wasm));
  }
  const result = spawnSync(process.execPath, [join(out, 'editor-path.js'), folder], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`editor-path run failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as EditorPathResult;
}

