// Lints on helper threads beside the main thread when there are enough files to pay for them.
// The helpers are this same file (in the bundle: dist/cli.js itself), started with a tag in
// workerData. Every thread, the main one included, takes the next batch of files from one
// shared counter until none is left: the main thread starts at once, a helper joins when it
// has loaded (tens of milliseconds later), and nobody waits for anybody to hand out work.
import '../silence-wasi-warning';
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { loadParsersDeferred, type DeferredSqlParser, type MigrationLanguage, type Parsers } from '../../core/lint';
import { defaultContext, type LintContext, type LintSettings } from '../../core/lint-context';
import type { LintTarget } from './files';
import { lintBatch, lintPendingFiles, mergeResults, type LintRun, type TargetResult } from './run';

const WORKER_TAG = 'pg-index-guard/lint-worker';
/** A helper thread costs ~60 ms of CPU to start (bundle + parser): not worth it for fewer files than this per helper. */
const FILES_PER_HELPER = 300;
const MAX_THREADS = 8;
/**
 * Linting allocates a lot, so one lint thread keeps more than one core busy with V8's
 * concurrent GC and compilers: a second thread pays only with a core for it and one for them.
 */
const CORES_PER_THREAD = 2;
/** Small batches keep the threads finishing together; each costs one message from a helper. */
const BATCH_SIZE = 24;

interface HelperSetup {
  tag: typeof WORKER_TAG;
  settings: LintSettings;
  languages: MigrationLanguage[];
  targets: LintTarget[];
  /** One Int32: the next batch to take. */
  counter: SharedArrayBuffer;
}
type HelperMessage = { batch: number; results: TargetResult[] } | { done: true };

/**
 * How many threads lint, the main one included; 1 means the main thread alone. `requested`
 * (PG_INDEX_GUARD_THREADS) overrides the machine-based choice, still capped by the file count.
 */
export function threadCountFor(files: number, requested?: number): number {
  const byFiles = Math.max(1, Math.floor(files / FILES_PER_HELPER));
  if (requested !== undefined) return Math.max(1, Math.min(requested, MAX_THREADS, files));
  return Math.max(1, Math.min(Math.floor(availableParallelism() / CORES_PER_THREAD), MAX_THREADS, byFiles));
}

/** Takes batch numbers from the shared counter and lints them until none is left. */
function takeBatches(
  counter: Int32Array,
  targets: readonly LintTarget[],
  context: LintContext,
  parsers: Parsers,
  done: (batch: number, results: TargetResult[]) => void,
): void {
  for (;;) {
    const batch = Atomics.add(counter, 0, 1);
    const first = batch * BATCH_SIZE;
    if (first >= targets.length) return;
    done(batch, lintBatch(targets.slice(first, first + BATCH_SIZE), context, parsers));
  }
}

/**
 * Lints on `threads` threads (the main one and threads - 1 helpers) and merges the results in
 * the files' order, so the output is the same as linting in one thread. A helper that fails
 * costs nothing but time: the main thread lints whatever batches it took and did not return.
 */
export async function lintTargetsInParallel(
  targets: readonly LintTarget[],
  context: LintContext,
  parsers: Promise<Parsers & { sql: DeferredSqlParser }>,
  threads: number,
): Promise<LintRun> {
  const counter = new SharedArrayBuffer(4);
  const shared = new Int32Array(counter);
  const batches = Math.ceil(targets.length / BATCH_SIZE);
  const results: Array<TargetResult[] | undefined> = new Array(batches);
  const languages = [...new Set(targets.map((target) => target.language))];
  const setup: HelperSetup = { tag: WORKER_TAG, settings: context.settings, languages, targets: [...targets], counter };

  const helpers: Array<Promise<void>> = [];
  for (let i = 1; i < threads; i++) {
    helpers.push(
      new Promise<void>((resolve) => {
        const worker = new Worker(__filename, { workerData: setup, stdout: false, stderr: false });
        worker.on('message', (message: HelperMessage) => {
          if ('done' in message) {
            resolve();
            void worker.terminate();
          } else results[message.batch] = message.results;
        });
        // A helper that fails leaves its batches to the main thread (below).
        worker.on('error', () => resolve());
        worker.on('exit', () => resolve());
      }),
    );
  }

  const loaded = await parsers;
  takeBatches(shared, targets, context, loaded, (batch, batchResults) => {
    results[batch] = batchResults;
  });
  await Promise.all(helpers);
  for (let batch = 0; batch < batches; batch++) {
    if (results[batch] === undefined) {
      const first = batch * BATCH_SIZE;
      results[batch] = lintBatch(targets.slice(first, first + BATCH_SIZE), context, loaded);
    }
  }
  // Files that needed libpg-query before it was loaded, in any thread, are linted again here.
  return mergeResults(await lintPendingFiles(results.flat() as TargetResult[], targets, context, loaded));
}

async function serveAsHelper(setup: HelperSetup): Promise<void> {
  const port = parentPort!;
  const context = defaultContext();
  context.settings = setup.settings;
  const parsers = await loadParsersDeferred(setup.languages);
  takeBatches(new Int32Array(setup.counter), setup.targets, context, parsers, (batch, results) => {
    const message: HelperMessage = { batch, results };
    port.postMessage(message);
  });
  const done: HelperMessage = { done: true };
  port.postMessage(done);
}

if (!isMainThread && (workerData as { tag?: unknown } | null)?.tag === WORKER_TAG) {
  void serveAsHelper(workerData as HelperSetup);
}
