// Lints on helper threads beside the main thread when there are enough files to pay for them.
// The helpers run this same bundle (dist/cli-main.js), tagged in workerData. Every thread, the
// main one included, takes the next batch of files from one shared counter until none is left:
// the main thread starts at once, a helper joins when it has loaded, and nobody waits for
// anybody to hand out work. A helper takes 35–70 ms to load beside a linting main thread (a
// worker's isolate and Node's bootstrap, ~25 ms alone, then the bundle), so the first one is
// started before the folders are walked and is told what to lint once they have been (HelperPool).
import '../silence-wasi-warning';
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { loadParsersDeferred, type DeferredSqlParser, type MigrationLanguage, type Parsers } from '../../core/lint';
import { defaultContext, type LintContext, type LintSettings, type SchemaInfo } from '../../core/lint-context';
import type { LintTarget } from './files';
import { outputFormat, type FormatOptions, type OutputFormat } from './formats/format';
import { SqlParserOnDemand, lintBatch, lintPendingFiles, mergeResults, type FilesResult, type LintRun } from './run';

const WORKER_TAG = 'pg-index-guard/lint-worker';
/** A helper thread costs ~50 ms of CPU to start: not worth it for fewer files than this per helper. */
const FILES_PER_HELPER = 300;
const MAX_THREADS = 8;
/**
 * One lint thread keeps more than one core busy (TurboFan's background compilation, V8's
 * concurrent GC): a second thread pays only with a core for it and one for them. Measured on 2
 * cores, 3,000 migrations: Rails 1.70 s wall on one thread, 1.89 s on two; SQL 0.85 s, 1.17 s.
 */
const CORES_PER_THREAD = 2;
/** Small batches keep the threads finishing together; each costs an atomic add. */
const BATCH_SIZE = 24;

/** What a helper lints: sent once, when the main thread knows the files. */
interface HelperSetup {
  settings: LintSettings;
  /** The project's db/schema.rb or structure.sql, when read (its Maps survive the structured clone). */
  schema?: SchemaInfo;
  languages: MigrationLanguage[];
  targets: LintTarget[];
  /** The helper renders the findings of the files it lints. */
  format: FormatOptions;
  /** One Int32: the next batch to take. */
  counter: SharedArrayBuffer;
}
/**
 * A helper's results, all at once when it has no batch left: the main thread reads messages only
 * after its own last batch, and one message costs it far less than a message a batch (some 60 on
 * 3,000 files: ~10 ms at the end of a run, with the other core idle).
 */
interface HelperResults {
  batches: number[];
  results: FilesResult[];
}

/**
 * How many threads lint, the main one included; 1 means the main thread alone. `requested`
 * (PG_INDEX_GUARD_THREADS) overrides the machine-based choice, still capped by the file count.
 */
export function threadCountFor(files: number, requested: number | undefined): number {
  if (requested !== undefined) return Math.max(1, Math.min(requested, MAX_THREADS, files));
  const byCores = Math.floor(availableParallelism() / CORES_PER_THREAD);
  return Math.max(1, Math.min(byCores, MAX_THREADS, Math.floor(files / FILES_PER_HELPER)));
}

/** Helper threads, started before they have work; the ones not needed are stopped. */
export class HelperPool {
  private readonly idle: Worker[] = [];

  /**
   * Starts one helper now when the run may want one: a folder to walk, cores for two threads
   * (or PG_INDEX_GUARD_THREADS above 1). `requested`: PG_INDEX_GUARD_THREADS.
   */
  static prestart(walksFolders: boolean, requested: number | undefined): HelperPool {
    const pool = new HelperPool();
    if (walksFolders && threadCountFor(Number.MAX_SAFE_INTEGER, requested) > 1) pool.idle.push(startHelper());
    return pool;
  }

  /** `count` helpers, the prestarted ones first; the rest of those are stopped. */
  take(count: number): Worker[] {
    const taken = this.idle.splice(0, count);
    while (taken.length < count) taken.push(startHelper());
    this.release();
    return taken;
  }

  /** Stops the helpers nobody took. */
  release(): void {
    for (const worker of this.idle.splice(0)) void worker.terminate();
  }
}

/**
 * Takes batch numbers from the shared counter and lints them until none is left; `done` gets each
 * batch's outcome and files, and the next batch waits for what it returns.
 */
async function takeBatches(
  counter: Int32Array,
  targets: readonly LintTarget[],
  context: LintContext,
  parsers: Parsers,
  format: OutputFormat,
  done: (batch: number, result: FilesResult, batchTargets: readonly LintTarget[]) => void | Promise<void>,
): Promise<void> {
  for (;;) {
    const batch = Atomics.add(counter, 0, 1);
    const first = batch * BATCH_SIZE;
    if (first >= targets.length) return;
    const batchTargets = targets.slice(first, first + BATCH_SIZE);
    await done(batch, lintBatch(batchTargets, context, parsers, format), batchTargets);
  }
}

/**
 * Lints on `threads` threads (the main one and threads - 1 helpers from `pool`) and merges the
 * results in the files' order, so the output is the same as linting in one thread. A helper
 * that fails costs nothing but time: the main thread lints whatever batches it took and did
 * not return.
 */
export async function lintTargetsInParallel(
  targets: readonly LintTarget[],
  context: LintContext,
  parsers: Promise<Parsers & { sql: DeferredSqlParser }>,
  threads: number,
  pool: HelperPool,
  format: OutputFormat,
  forHelpers: Pick<HelperSetup, 'format' | 'languages'>,
): Promise<LintRun> {
  const counter = new SharedArrayBuffer(4);
  const batches = Math.ceil(targets.length / BATCH_SIZE);
  const results: Array<FilesResult | undefined> = new Array(batches);
  const setup: HelperSetup = { settings: context.settings, schema: context.schema, targets: [...targets], ...forHelpers, counter };

  const helpers = pool.take(threads - 1).map(
    (worker) =>
      new Promise<void>((resolve) => {
        worker.on('message', (message: HelperResults) => {
          message.batches.forEach((batch, i) => (results[batch] = message.results[i]));
          resolve();
          void worker.terminate();
        });
        // A helper that fails leaves its batches to the main thread (below).
        worker.on('error', () => resolve());
        worker.on('exit', () => resolve());
        worker.postMessage(setup);
      }),
  );

  const loaded = await parsers;
  // The main thread loads libpg-query when one of its files needs it, as lintTargets does.
  const sql = new SqlParserOnDemand(context, loaded, format);
  await takeBatches(new Int32Array(counter), targets, context, loaded, format, (batch, result, batchTargets) => {
    results[batch] = result;
    return sql.afterBatch(result, batchTargets);
  });
  await Promise.all(helpers);
  const done: FilesResult[] = [];
  for (let batch = 0; batch < batches; batch++) {
    const batchTargets = targets.slice(batch * BATCH_SIZE, (batch + 1) * BATCH_SIZE);
    const result = results[batch] ?? lintBatch(batchTargets, context, loaded, format);
    // Files that needed libpg-query before it was loaded, in any thread, are linted again here.
    await lintPendingFiles(result, batchTargets, context, loaded, format);
    done.push(result);
  }
  return mergeResults(done);
}

/**
 * A helper's stdio, left unconnected: a helper prints nothing (its failures come back as 'error'
 * events), and a worker whose stdio the parent pipes or ends builds its three streams as it
 * starts (some 6 ms of its start, seen in CPU profiles).
 */
const UNCONNECTED_STDIO = { stdin: true, stdout: true, stderr: true } as const;

/** A helper thread loading this bundle. */
function startHelper(): Worker {
  return new Worker(__filename, { workerData: { tag: WORKER_TAG }, ...UNCONNECTED_STDIO });
}

/** In a helper: waits for its setup, then lints batches until none is left. */
function serveAsHelper(): void {
  const port = parentPort!;
  port.once('message', (setup: HelperSetup) => {
    const context = defaultContext();
    context.settings = setup.settings;
    if (setup.schema) context.schema = setup.schema;
    void loadParsersDeferred(setup.languages).then(async (parsers) => {
      const done: HelperResults = { batches: [], results: [] };
      await takeBatches(new Int32Array(setup.counter), setup.targets, context, parsers, outputFormat(setup.format), (batch, results) => {
        done.batches.push(batch);
        done.results.push(results);
      });
      port.postMessage(done);
      port.close();
    });
  });
}

if (!isMainThread && (workerData as { tag?: unknown } | null)?.tag === WORKER_TAG) serveAsHelper();
