// Watches index builds: one read-only query per tick over one connection, turned into typed
// events (started, progress, phase changed, finished with its outcome) by the progress model.
// Polls about once a second while builds run and someone watches, more slowly when idle, not
// at all when nobody watches. A failing query becomes an `error` event, never a rejection.

import type { ErrorDescription } from '../errors';
import { describeConnectionError } from '../errors';
import type { NamedQuery } from '../queries';
import type { BuildView, FinishedBuildView } from '../../shared/messages';
import { cancelRequests as defaultCancelRequests, type CancelRequests } from './cancel';
import { BuildTracker, buildId, decideOutcome, indexNameFromStatement, reportedIndexName, type FinishingBuild, type ProgressSample, type TrackedFacts } from './progress-model';

/** A pg.Client, a PoolClient, or anything with pg's `query(text, values)`. */
export interface TextQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** The monitoring session (src/db/session.ts): runs named (prepared) queries. */
export interface NamedQueryRunner {
  run<P extends readonly unknown[], R>(query: NamedQuery<P, R>, params: P): Promise<R[]>;
}

export type ProgressSource = TextQueryable | NamedQueryRunner;

export interface ProgressMonitorOptions {
  /** Poll interval while builds run and someone watches. Default 1000 ms. */
  activeIntervalMs?: number;
  /** Poll interval while no build runs. Default 5000 ms. */
  idleIntervalMs?: number;
  /** Poll interval after a failed query (the session reconnects meanwhile). Default 5000 ms. */
  errorIntervalMs?: number;
  /** Finished builds kept in `recent`. Default 20. */
  recentLimit?: number;
  /** Also report builds in other databases of the cluster (their names cannot be resolved). Default false. */
  allDatabases?: boolean;
  /** Shortest time constant of the ETA's rate smoothing. Default 2 s. */
  smoothingSeconds?: number;
  /** The smoothing's time constant grows to this fraction of the build's running time. Default 0.5. */
  adaptiveSmoothing?: number;
  /** Where cancellations made through cancelBuild() are recorded. Default: the process-wide registry. */
  cancelRequests?: CancelRequests;
  /** Give up waiting for a finished build's transaction to end after this long (outcome `unknown`). Default 10 min. */
  maxFinishWaitMs?: number;
}

export interface PhaseChangedEvent {
  build: BuildView;
  from: string | null;
  to: string;
}

export interface TickEvent {
  builds: BuildView[];
  recent: FinishedBuildView[];
  /** Server clock, epoch ms. */
  at: number;
  /** Round trip of the tick's query. */
  queryMs: number;
}

export interface MonitorErrorEvent {
  description: ErrorDescription;
  error: unknown;
  /** Consecutive failed ticks. */
  failures: number;
}

export interface ProgressMonitorEvents {
  'build-started': BuildView;
  'build-progress': BuildView;
  'phase-changed': PhaseChangedEvent;
  'build-finished': FinishedBuildView;
  /** After every successful tick: everything a view needs. */
  tick: TickEvent;
  error: MonitorErrorEvent;
  /** The first successful tick after errors. */
  recovered: { failures: number };
}

type Listener<T> = (payload: T) => void;

/** Disposable of `watch()` (the shape of vscode.Disposable). */
export interface Watch {
  dispose(): void;
}

interface TrackedBuild {
  /** Unique key (build id, with the index oid when one statement rebuilds several indexes). */
  id: string;
  /** pid:statement start. */
  base: string;
  tracker: BuildTracker;
  relid: number;
  schema: string | null;
  index: string | null;
  xactStart: number | null;
  initialRelfilenode: number | null;
  /** Its table was resolved in the monitor's database (builds elsewhere are only shown). */
  inThisDatabase: boolean;
  /** Local clock when first seen (cancel requests are stamped with it). */
  firstSeenLocal: number;
  finishing: (FinishingBuild & { goneAt: number }) | null;
}

interface TickResult {
  now: number;
  monitorPid: number;
  builds: RawBuild[];
  tracked: RawTracked[];
}

interface RawBuild {
  pid: number;
  datname: string | null;
  relid: number;
  index_relid: number | null;
  schema_name: string | null;
  table_name: string | null;
  index_name: string | null;
  command: string | null;
  phase: string | null;
  lockers_total: number | null;
  lockers_done: number | null;
  current_locker_pid: number | null;
  blocks_total: number | null;
  blocks_done: number | null;
  tuples_total: number | null;
  tuples_done: number | null;
  partitions_total: number | null;
  partitions_done: number | null;
  query: string | null;
  query_start_ms: number | null;
  xact_start_ms: number | null;
  state: string | null;
  wait_event_type: string | null;
  wait_event: string | null;
  blocker_pid: number | null;
  blocker_query: string | null;
  blocker_state: string | null;
}

interface RawTracked {
  /** 1-based position in the arrays the query was given. */
  ord: number;
  pid: number;
  alive: boolean;
  state: string | null;
  xact_start_ms: number | null;
  indexes: Array<{ schema: string; name: string; valid: boolean; relfilenode: number }> | null;
}

/**
 * One query per tick, returning a single row with one JSON document: the builds in progress
 * (with table, index and blocker names joined) and, for every build the monitor already tracks,
 * its backend's state and the indexes on its table named like its index. Reading both in one
 * statement means a build that just left the progress view is judged on the same tick.
 * $1 pids, $2 table oids, $3 index names of tracked builds; $4 all databases.
 */
export const MONITOR_TICK_QUERY: NamedQuery<[pids: number[], relids: number[], indexNames: (string | null)[], allDatabases: boolean], TickResult> = {
  name: 'pgig_progress_tick_v1',
  text: `
WITH p AS (
  SELECT p.pid, p.datname, p.relid, NULLIF(p.index_relid, 0) AS index_relid, p.command, p.phase,
         p.lockers_total, p.lockers_done, NULLIF(p.current_locker_pid, 0) AS current_locker_pid,
         p.blocks_total, p.blocks_done, p.tuples_total, p.tuples_done, p.partitions_total, p.partitions_done
    FROM pg_stat_progress_create_index p
   WHERE $4::boolean OR p.datname = current_database()
), b AS (
  SELECT p.*, n.nspname AS schema_name, c.relname AS table_name, ic.relname AS index_name,
         a.query, extract(epoch FROM a.query_start) * 1000 AS query_start_ms,
         extract(epoch FROM a.xact_start) * 1000 AS xact_start_ms,
         a.state, a.wait_event_type, a.wait_event,
         w.pid AS blocker_pid, l.query AS blocker_query, l.state AS blocker_state
    FROM p
    LEFT JOIN pg_stat_activity a ON a.pid = p.pid
    LEFT JOIN pg_class c ON c.oid = p.relid AND p.datname = current_database()
    LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_class ic ON ic.oid = p.index_relid AND p.datname = current_database()
    LEFT JOIN LATERAL (
      SELECT COALESCE(p.current_locker_pid,
                      CASE WHEN a.wait_event_type = 'Lock' THEN (pg_blocking_pids(p.pid))[1] END) AS pid
    ) w ON true
    LEFT JOIN pg_stat_activity l ON l.pid = w.pid
), t AS (
  SELECT t.ord, t.pid, a.pid IS NOT NULL AS alive, a.state, extract(epoch FROM a.xact_start) * 1000 AS xact_start_ms,
         (SELECT json_agg(json_build_object('schema', n.nspname, 'name', i.relname, 'valid', x.indisvalid,
                                            'relfilenode', i.relfilenode))
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_namespace n ON n.oid = i.relnamespace
           WHERE x.indrelid = t.relid AND t.index_name IS NOT NULL
             AND (i.relname = t.index_name OR left(i.relname, length(t.index_name) + 6) = t.index_name || '_ccnew')) AS indexes
    FROM unnest($1::int[], $2::oid[], $3::text[]) WITH ORDINALITY AS t(pid, relid, index_name, ord)
    LEFT JOIN pg_stat_activity a ON a.pid = t.pid
)
SELECT json_build_object(
  'now', extract(epoch FROM clock_timestamp()) * 1000,
  'monitorPid', pg_backend_pid(),
  'builds', COALESCE((SELECT json_agg(b ORDER BY b.pid) FROM b), '[]'::json),
  'tracked', COALESCE((SELECT json_agg(t) FROM t), '[]'::json)
) AS tick`,
  mapRow: (row) => (typeof row['tick'] === 'string' ? JSON.parse(row['tick']) : row['tick']) as TickResult,
};

export class ProgressMonitor {
  private source: ProgressSource;
  private readonly options: Required<Omit<ProgressMonitorOptions, 'cancelRequests'>>;
  private readonly cancelRequests: CancelRequests;
  private readonly listeners = new Map<keyof ProgressMonitorEvents, Set<Listener<never>>>();
  private readonly tracked = new Map<string, TrackedBuild>();
  private recentBuilds: FinishedBuildView[] = [];
  private current: BuildView[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  private inFlight: Promise<TickEvent | null> | null = null;
  private watchers = 0;
  private failures = 0;
  private lastAt = 0;
  /** Ids of the tracked builds in the order the last query was given them. */
  private queriedOrder: string[] = [];

  constructor(source: ProgressSource, options: ProgressMonitorOptions = {}) {
    this.source = source;
    this.cancelRequests = options.cancelRequests ?? defaultCancelRequests;
    this.options = {
      activeIntervalMs: 1000,
      idleIntervalMs: 5000,
      errorIntervalMs: 5000,
      recentLimit: 20,
      allDatabases: false,
      smoothingSeconds: 2,
      adaptiveSmoothing: 0.5,
      maxFinishWaitMs: 10 * 60_000,
      ...stripUndefined(options),
    };
  }

  /** Builds in progress as of the last tick. */
  get builds(): readonly BuildView[] {
    return this.current;
  }

  /** Finished builds, newest first. */
  get recent(): readonly FinishedBuildView[] {
    return this.recentBuilds;
  }

  /** The INVALID leftover of finished builds was dropped: they no longer offer to drop it. */
  forgetLeftover(schema: string, index: string): void {
    this.recentBuilds = this.recentBuilds.map((r) =>
      r.leftover?.schema === schema && r.leftover.index === index ? { ...r, leftover: null, detail: `${r.detail} Its INVALID index was dropped since.` } : r,
    );
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends keyof ProgressMonitorEvents>(event: K, listener: Listener<ProgressMonitorEvents[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => {
      set.delete(listener as Listener<never>);
    };
  }

  /** Another connection (after the session reconnected with a new client, say). */
  setSource(source: ProgressSource): void {
    this.source = source;
  }

  /** Changes the poll intervals; the next tick uses them. */
  setIntervals(intervals: { activeMs?: number; idleMs?: number; errorMs?: number }): void {
    if (intervals.activeMs !== undefined) this.options.activeIntervalMs = Math.max(10, intervals.activeMs);
    if (intervals.idleMs !== undefined) this.options.idleIntervalMs = Math.max(10, intervals.idleMs);
    if (intervals.errorMs !== undefined) this.options.errorIntervalMs = Math.max(10, intervals.errorMs);
    if (this.running && !this.inFlight) this.schedule(this.nextDelay());
  }

  /**
   * Someone looks (a visible panel, the CLI): polling runs while at least one watch is open and
   * stops when the last one is disposed.
   */
  watch(): Watch {
    this.watchers++;
    if (this.watchers === 1) this.start();
    let disposed = false;
    return {
      dispose: () => {
        if (disposed) return;
        disposed = true;
        this.watchers--;
        if (this.watchers === 0) this.stop();
      },
    };
  }

  /** Starts polling now (a first tick at once). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops polling; a tick under way finishes but schedules nothing. */
  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Stops and forgets all listeners. */
  dispose(): void {
    this.stop();
    this.listeners.clear();
  }

  /**
   * Runs one tick now (or joins the one under way) and resolves with its result, or null when
   * the query failed (the failure is the `error` event). Never rejects.
   */
  poll(): Promise<TickEvent | null> {
    this.inFlight ??= this.tick().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.running) return;
      void this.poll().then(() => {
        if (this.running) this.schedule(this.nextDelay());
      });
    }, delayMs);
  }

  private nextDelay(): number {
    if (this.failures > 0) return this.options.errorIntervalMs;
    const active = this.current.length > 0 || [...this.tracked.values()].some((t) => t.finishing);
    return active ? this.options.activeIntervalMs : this.options.idleIntervalMs;
  }

  private async runQuery(): Promise<TickResult> {
    const pids: number[] = [];
    const relids: number[] = [];
    const names: (string | null)[] = [];
    const order: string[] = [];
    for (const t of this.tracked.values()) {
      pids.push(t.tracker.pid);
      relids.push(t.relid);
      // A build in another database: its table oid means nothing here, so nothing is looked up.
      names.push(t.inThisDatabase ? t.index : null);
      order.push(t.id);
    }
    this.queriedOrder = order;
    const params: [number[], number[], (string | null)[], boolean] = [pids, relids, names, this.options.allDatabases];
    const source = this.source;
    if ('run' in source && typeof source.run === 'function') {
      const rows = await source.run(MONITOR_TICK_QUERY, params);
      if (!rows[0]) throw new Error('the monitor query returned no row');
      return rows[0];
    }
    const result = await (source as TextQueryable).query(MONITOR_TICK_QUERY.text, [...params]);
    const row = result.rows[0] as Record<string, unknown> | undefined;
    if (!row) throw new Error('the monitor query returned no row');
    return MONITOR_TICK_QUERY.mapRow(row);
  }

  private async tick(): Promise<TickEvent | null> {
    const started = performance.now();
    let result: TickResult;
    try {
      result = await this.runQuery();
    } catch (error) {
      this.failures++;
      this.emit('error', { description: describeConnectionError(error), error, failures: this.failures });
      return null;
    }
    const queryMs = performance.now() - started;
    if (this.failures > 0) {
      const failures = this.failures;
      this.failures = 0;
      this.emit('recovered', { failures });
    }
    try {
      return this.apply(result, queryMs);
    } catch (error) {
      // A bug in the model must not kill polling either.
      this.emit('error', { description: describeConnectionError(error), error, failures: 0 });
      return null;
    }
  }

  private apply(result: TickResult, queryMs: number): TickEvent {
    const at = Number(result.now);
    // The server clock decides elapsed times; never let it go back between ticks.
    const now = Math.max(at, this.lastAt);
    this.lastAt = now;
    const localNow = Date.now();
    const facts = new Map<string, TrackedFacts>();
    for (const t of result.tracked ?? []) {
      const id = this.queriedOrder[Number(t.ord) - 1];
      if (id === undefined) continue;
      facts.set(id, {
        alive: t.alive === true,
        state: t.state ?? null,
        xactStart: t.xact_start_ms === null || t.xact_start_ms === undefined ? null : Number(t.xact_start_ms),
        indexes: (t.indexes ?? []).map((i) => ({ schema: String(i.schema), name: String(i.name), valid: i.valid === true, relfilenode: Number(i.relfilenode) })),
      });
    }

    const seen = new Set<string>();
    const views: BuildView[] = [];
    for (const raw of result.builds ?? []) {
      const sample = toSample(raw);
      const base = buildId(sample);
      let entry = [...this.tracked.values()].find((t) => t.base === base && !t.finishing);
      // REINDEX TABLE / SCHEMA rebuilds one index after another within one statement.
      if (entry && entry.tracker.indexRelid !== null && sample.indexRelid !== null && entry.tracker.indexRelid !== sample.indexRelid) {
        this.beginFinishing(entry, now);
        entry = undefined;
      }
      const isNew = !entry;
      if (!entry) {
        const id = this.tracked.has(base) ? `${base}:${sample.indexRelid ?? this.tracked.size}` : base;
        entry = {
          id,
          base,
          tracker: new BuildTracker(sample, now, {
            id,
            smoothingSeconds: this.options.smoothingSeconds,
            adaptiveSmoothing: this.options.adaptiveSmoothing,
          }),
          relid: sample.relid,
          inThisDatabase: sample.table !== null,
          schema: sample.schema,
          index: reportedIndexName(sample.command, sample.index) ?? indexNameFromStatement(sample.query)?.name ?? null,
          xactStart: sample.xactStart,
          initialRelfilenode: null,
          firstSeenLocal: localNow,
          finishing: null,
        };
        this.tracked.set(id, entry);
      }
      seen.add(entry.id);
      if (sample.index) entry.index = reportedIndexName(sample.command, sample.index);
      if (sample.schema) entry.schema = sample.schema;
      if (sample.xactStart !== null) entry.xactStart = sample.xactStart;
      const f = facts.get(entry.id);
      if (entry.initialRelfilenode === null && f && entry.index) {
        entry.initialRelfilenode = f.indexes.find((i) => i.name === entry!.index)?.relfilenode ?? null;
      }
      const { view, phaseChangedFrom } = entry.tracker.update(sample, now, { monitorPid: Number(result.monitorPid) });
      views.push(view);
      if (isNew) this.emit('build-started', view);
      else if (phaseChangedFrom !== undefined) this.emit('phase-changed', { build: view, from: phaseChangedFrom, to: view.phase });
      this.emit('build-progress', view);
    }

    for (const entry of [...this.tracked.values()]) {
      if (seen.has(entry.id)) continue;
      this.beginFinishing(entry, now);
      this.tryFinish(entry, facts.get(entry.id), now);
    }

    this.current = views;
    const tick: TickEvent = { builds: views, recent: this.recentBuilds, at: now, queryMs };
    this.emit('tick', tick);
    return tick;
  }

  private beginFinishing(entry: TrackedBuild, now: number): void {
    if (entry.finishing) return;
    entry.finishing = {
      command: entry.tracker.sample?.command ?? '',
      schema: entry.schema,
      // Nothing was looked up for a build in another database: its result stays unknown.
      index: entry.inThisDatabase ? entry.index : null,
      xactStart: entry.xactStart,
      initialRelfilenode: entry.initialRelfilenode,
      cancelRequested: false,
      confirmations: 0,
      goneAt: now,
    };
  }

  private tryFinish(entry: TrackedBuild, facts: TrackedFacts | undefined, now: number): void {
    const finishing = entry.finishing!;
    finishing.cancelRequested = this.cancelRequests.wasRequested(entry.tracker.pid, entry.firstSeenLocal - 5_000);
    const decision = facts
      ? decideOutcome(finishing, facts)
      : // Tracked since the previous query: no facts yet.
        ({ decided: false, reason: 'confirm' } as const);
    if (!decision.decided) {
      if (decision.reason === 'confirm' && facts) finishing.confirmations++;
      if (now - finishing.goneAt < this.options.maxFinishWaitMs) return;
    }
    const last = entry.tracker.view;
    this.tracked.delete(entry.id);
    if (!last) return;
    const outcome = decision.decided
      ? decision
      : { outcome: 'unknown' as const, leftover: null, detail: 'Its transaction stayed open too long to see how it ended.' };
    if (outcome.outcome === 'cancelled') this.cancelRequests.forget(entry.tracker.pid);
    const finished: FinishedBuildView = {
      build: { ...last, waiting: false, waitingOn: null, etaSeconds: null },
      outcome: outcome.outcome,
      finishedAt: finishing.goneAt,
      durationSeconds: Math.max(0, (finishing.goneAt - last.startedAt) / 1000),
      leftover: outcome.leftover,
      detail: outcome.detail,
    };
    this.recentBuilds = [finished, ...this.recentBuilds].slice(0, this.options.recentLimit);
    this.emit('build-finished', finished);
  }

  private emit<K extends keyof ProgressMonitorEvents>(event: K, payload: ProgressMonitorEvents[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<ProgressMonitorEvents[K]>)(payload);
      } catch {
        // A listener's bug is not the monitor's: keep polling.
      }
    }
  }
}

/** What pg_stat_activity shows instead of another role's statement without pg_read_all_stats. */
const HIDDEN = '<insufficient privilege>';

function toSample(raw: RawBuild): ProgressSample {
  const text = (v: string | null | undefined): string | null => (v === null || v === undefined || v === HIDDEN ? null : v);
  const n = (v: number | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));
  const nn = (v: number | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));
  return {
    pid: Number(raw.pid),
    database: raw.datname ?? null,
    relid: Number(raw.relid),
    indexRelid: nn(raw.index_relid) || null,
    schema: raw.schema_name ?? null,
    table: raw.table_name ?? null,
    index: raw.index_name ?? null,
    command: raw.command ?? '',
    phase: raw.phase ?? '',
    hidden: raw.command === null,
    lockersTotal: n(raw.lockers_total),
    lockersDone: n(raw.lockers_done),
    currentLockerPid: nn(raw.current_locker_pid) || null,
    blocksTotal: n(raw.blocks_total),
    blocksDone: n(raw.blocks_done),
    tuplesTotal: n(raw.tuples_total),
    tuplesDone: n(raw.tuples_done),
    partitionsTotal: n(raw.partitions_total),
    partitionsDone: n(raw.partitions_done),
    query: text(raw.query),
    queryStart: nn(raw.query_start_ms),
    xactStart: nn(raw.xact_start_ms),
    state: raw.state ?? null,
    waitEventType: raw.wait_event_type ?? null,
    waitEvent: raw.wait_event ?? null,
    blockerPid: nn(raw.blocker_pid) || null,
    blockerQuery: text(raw.blocker_query),
    blockerState: raw.blocker_state ?? null,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
