// Lints on worker threads when there are enough files to pay for them. The worker is this
// same file (in the bundle: dist/cli.js itself), started with a tag in workerData.
import '../silence-wasi-warning';
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { loadParsers, type MigrationLanguage } from '../../core/lint';
import { defaultContext, type LintSettings } from '../../core/lint-context';
import type { LintTarget } from './files';
import { lintBatch, mergeResults, type LintRun, type TargetResult } from './run';

const WORKER_TAG = 'pg-index-guard/lint-worker';
/** A worker costs ~100 ms to start (bundle + two WASM parsers): not worth it for fewer files than this. */
const FILES_PER_WORKER = 400;
const MAX_WORKERS = 8;
/**
 * Linting allocates a lot (Prism's AST becomes JS objects), so one lint thread keeps about 1.3
 * cores busy with V8's concurrent GC: on 2 cores, two lint threads are no faster than one.
 */
const CORES_PER_WORKER = 2;

interface BatchRequest {
  batch: number;
  targets: LintTarget[];
}
interface BatchResponse {
  batch: number;
  results: TargetResult[];
}

/**
 * How many lint threads for this many files; 1 means lint in the main thread. `requested`
 * (PG_INDEX_GUARD_THREADS) overrides the machine-based choice, still capped by the file count.
 */
export function workerCountFor(files: number, requested?: number): number {
  if (requested !== undefined) return Math.max(1, Math.min(requested, MAX_WORKERS, files));
  const byCores = Math.floor(availableParallelism() / CORES_PER_WORKER);
  return Math.max(1, Math.min(byCores, MAX_WORKERS, Math.floor(files / FILES_PER_WORKER)));
}

/**
 * Hands out batches of files to `workers` threads as they free up and merges the
 * results in the original order, so the output is the same as linting in one thread.
 */
export function lintTargetsInParallel(targets: readonly LintTarget[], settings: LintSettings, workers: number): Promise<LintRun> {
  const batchSize = Math.max(1, Math.min(200, Math.ceil(targets.length / (workers * 8))));
  const batches: LintTarget[][] = [];
  for (let i = 0; i < targets.length; i += batchSize) batches.push(targets.slice(i, i + batchSize));
  const results: TargetResult[][] = new Array(batches.length);
  const languages = [...new Set(targets.map((target) => target.language))];

  return new Promise<LintRun>((resolve, reject) => {
    const pool: Worker[] = [];
    let next = 0;
    let done = 0;
    let settled = false;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      for (const worker of pool) void worker.terminate();
      if (error !== undefined) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve(mergeResults(results.flat()));
    };
    const feed = (worker: Worker) => {
      if (next < batches.length) {
        const request: BatchRequest = { batch: next, targets: batches[next]! };
        next++;
        worker.postMessage(request);
      }
    };
    if (batches.length === 0) return finish();
    for (let i = 0; i < Math.min(workers, batches.length); i++) {
      const worker = new Worker(__filename, { workerData: { tag: WORKER_TAG, settings, languages }, stdout: false, stderr: false });
      pool.push(worker);
      worker.on('message', (response: BatchResponse) => {
        results[response.batch] = response.results;
        done++;
        if (done === batches.length) finish();
        else feed(worker);
      });
      worker.on('error', finish);
      worker.on('exit', (code) => {
        if (!settled) finish(new Error(`a lint worker stopped (exit code ${code})`));
      });
      feed(worker);
    }
  });
}

async function serveLintRequests(settings: LintSettings, languages: MigrationLanguage[]): Promise<void> {
  const port = parentPort!;
  const context = defaultContext();
  context.settings = settings;
  const parsers = loadParsers(languages);
  port.on('message', async (request: BatchRequest) => {
    const loaded = await parsers;
    const response: BatchResponse = {
      batch: request.batch,
      results: lintBatch(request.targets, context, loaded),
    };
    port.postMessage(response);
  });
}

if (!isMainThread && (workerData as { tag?: unknown } | null)?.tag === WORKER_TAG) {
  const { settings, languages } = workerData as { settings: LintSettings; languages: MigrationLanguage[] };
  void serveLintRequests(settings, languages);
}
