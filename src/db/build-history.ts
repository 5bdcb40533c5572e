// The index builds this server has run, kept so that build-time estimates come from its own
// speed (src/core/locks/estimates.ts) instead of a default rate. The extension records what its
// build monitor and its builder see (in its global storage), the CLI what `create-pending` and
// `monitor` see (in a file under XDG_STATE_HOME); one JSON file each, keyed by server.
//
// A history is a convenience, never a reason to fail: a file that cannot be read or written
// costs the estimate its history, and the caller gets a message to log, nothing thrown.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BuildHistory, MeasuredBuild } from '../core/locks/estimates';
import type { FinishedBuildView } from '../shared/messages';
import type { IndexBuildResult } from './builder/safe-builder';
import type { MonitorSession } from './session';

/** One finished, valid build as it is kept. */
export interface RecordedBuild extends MeasuredBuild {
  /** ISO time the build finished. */
  finishedAt: string;
  schema: string | null;
  table: string;
  index: string;
}

interface HistoryFileContent {
  version: 1;
  /** By server key (serverKey()), oldest first. */
  servers: Record<string, RecordedBuild[]>;
}

/** Builds kept per server: enough for a stable median, few enough that old hardware ages out. */
export const BUILDS_KEPT_PER_SERVER = 50;

/** Builds shorter than this are mostly start-up and waits: their rate says little about the scan. */
export const MIN_MEASURED_SECONDS = 0.5;

/** Two records of the same index finishing this close are one build seen twice (the monitor and the builder). */
const SAME_BUILD_MS = 120_000;

/** `host:port/database`: the builds of one database on one server. */
export function serverKey(config: { host?: string | undefined; port?: number | undefined; database?: string | undefined }): string {
  return `${config.host ?? 'localhost'}:${config.port ?? 5432}/${config.database ?? ''}`;
}

/**
 * The CLI's file: PG_INDEX_GUARD_BUILD_HISTORY when set, else
 * $XDG_STATE_HOME/pg-index-guard/build-history.json (~/.local/state when unset).
 */
export function defaultHistoryPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env['PG_INDEX_GUARD_BUILD_HISTORY']) return env['PG_INDEX_GUARD_BUILD_HISTORY'];
  const state = env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state');
  return join(state, 'pg-index-guard', 'build-history.json');
}

export class BuildHistoryFile {
  constructor(readonly path: string) {}

  /** The builds recorded for `key`, for estimateBuildSeconds(). A missing or unreadable file is an empty history. */
  read(key: string): BuildHistory {
    return { builds: this.load().content.servers[key] ?? [] };
  }

  /** Every server's builds, for a look at what was measured. */
  readAll(): Record<string, RecordedBuild[]> {
    return this.load().content.servers;
  }

  /**
   * Adds a build (replacing the same build seen by another watcher) and writes the file by
   * renaming a temporary file over it, so a crash never leaves half a file. Returns a message
   * when the file could not be written.
   */
  record(key: string, build: RecordedBuild): string | null {
    if (!isMeasurable(build)) return null;
    const { content } = this.load();
    const builds = (content.servers[key] ?? []).filter((b) => !isSameBuild(b, build));
    builds.push(build);
    builds.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
    content.servers[key] = builds.slice(-BUILDS_KEPT_PER_SERVER);
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      const temporary = `${this.path}.${process.pid}.tmp`;
      writeFileSync(temporary, `${JSON.stringify(content, null, 1)}\n`);
      renameSync(temporary, this.path);
      return null;
    } catch (error) {
      return `Could not record the build of ${build.index} in ${this.path}: ${(error as Error).message}`;
    }
  }

  private load(): { content: HistoryFileContent } {
    try {
      const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as Partial<HistoryFileContent>;
      if (parsed.version !== 1 || typeof parsed.servers !== 'object' || parsed.servers === null) return { content: empty() };
      const servers: Record<string, RecordedBuild[]> = {};
      for (const [key, builds] of Object.entries(parsed.servers)) {
        if (Array.isArray(builds)) servers[key] = builds.filter(isRecordedBuild);
      }
      return { content: { version: 1, servers } };
    } catch {
      // Missing (nothing measured yet) or damaged (it is only a history): start afresh.
      return { content: empty() };
    }
  }
}

/**
 * A build the monitor saw finish, as a measurement: only valid single-index builds of this
 * database (a REINDEX TABLE rebuilds several, an unknown outcome measured nothing).
 */
export async function measureFinishedBuild(session: Pick<MonitorSession, 'query'>, finished: FinishedBuildView): Promise<RecordedBuild | null> {
  const { build } = finished;
  if (finished.outcome !== 'valid' || build.index === null || build.schema === null || build.hidden) return null;
  if (!/^CREATE INDEX/.test(build.command)) return null;
  const [row] = await session.query('tablePagesBytes', build.schema, build.table);
  if (!row || !(row.tableBytes > 0)) return null;
  return {
    tableBytes: row.tableBytes,
    seconds: finished.durationSeconds,
    concurrent: build.concurrent,
    finishedAt: new Date(finished.finishedAt).toISOString(),
    schema: build.schema,
    table: build.table,
    index: build.index,
  };
}

/** Measures and records a build the monitor saw finish; a message when that failed, else null. */
export async function recordFinishedBuild(session: Pick<MonitorSession, 'query'>, history: BuildHistoryFile, key: string, finished: FinishedBuildView): Promise<string | null> {
  try {
    const measured = await measureFinishedBuild(session, finished);
    return measured ? history.record(key, measured) : null;
  } catch (error) {
    return `Could not measure the build of ${finished.build.index ?? '?'}: ${(error as Error).message}`;
  }
}

/** Records what the safe builder measured (its builds are concurrent); the messages of what failed. */
export function recordBuilderResults(history: BuildHistoryFile, key: string, results: readonly IndexBuildResult[], finishedAt = new Date()): string[] {
  const problems: string[] = [];
  for (const r of results) {
    if (!r.measured) continue;
    const problem = history.record(key, { ...r.measured, concurrent: true, finishedAt: finishedAt.toISOString(), schema: r.schema, table: r.table, index: r.index });
    if (problem) problems.push(problem);
  }
  return problems;
}

/** Histories read together (the extension's own and the CLI's): every build of the server, once. */
export function mergeHistories(...histories: BuildHistory[]): BuildHistory {
  const merged: MeasuredBuild[] = [];
  for (const history of histories) {
    for (const build of history.builds) {
      if (!merged.some((b) => isRecordedBuild(b) && isRecordedBuild(build) && isSameBuild(b, build))) merged.push(build);
    }
  }
  return { builds: merged };
}

function empty(): HistoryFileContent {
  return { version: 1, servers: {} };
}

function isMeasurable(build: MeasuredBuild): boolean {
  return Number.isFinite(build.tableBytes) && build.tableBytes > 0 && Number.isFinite(build.seconds) && build.seconds >= MIN_MEASURED_SECONDS;
}

function isSameBuild(a: RecordedBuild, b: RecordedBuild): boolean {
  return a.index === b.index && a.table === b.table && a.schema === b.schema && Math.abs(Date.parse(a.finishedAt) - Date.parse(b.finishedAt)) < SAME_BUILD_MS;
}

function isRecordedBuild(value: unknown): value is RecordedBuild {
  const b = value as RecordedBuild;
  return (
    typeof b === 'object' &&
    b !== null &&
    typeof b.tableBytes === 'number' &&
    typeof b.seconds === 'number' &&
    typeof b.concurrent === 'boolean' &&
    typeof b.finishedAt === 'string' &&
    typeof b.table === 'string' &&
    typeof b.index === 'string'
  );
}
