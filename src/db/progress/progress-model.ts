// The pure part of the build monitor: which phases a command goes through, how far a build is in
// its current phase and overall, a smoothed ETA, and how a build ended. No database, no clock:
// every function takes the facts and the time it is given, so the tests replay recorded rows.

import { HIDDEN_BUILD_LABEL, type BuildCommand, type BuildOutcome, type BuildView, type CounterView, type PhaseStepView, type WaitingOnView } from '../../shared/messages';

export type CounterKind = 'blocks' | 'tuples' | 'lockers' | 'auto' | 'none';

export interface PhaseStep {
  /** The phase string PostgreSQL reports (pg_stat_progress_create_index.phase). */
  phase: string;
  label: string;
  /** Relative cost (see WEIGHTS). */
  weight: number;
  /** Where the phase's own progress comes from. */
  counter: CounterKind;
  /** The build waits on other sessions (lockers_* count them, current_locker_pid names one). */
  waiting: boolean;
  /** Only some builds go through it (sorting dead tuples: unique indexes). */
  optional?: boolean;
  /** A sub-phase of `building index` (the btree access method names them). */
  building?: boolean;
}

/** The phase strings, exactly as PostgreSQL 12-18 report them. */
export const PHASES = {
  initializing: 'initializing',
  waitWritersBeforeBuild: 'waiting for writers before build',
  building: 'building index',
  buildScanTable: 'building index: scanning table',
  buildSortLive: 'building index: sorting live tuples',
  buildSortDead: 'building index: sorting dead tuples',
  buildLoadTree: 'building index: loading tuples in tree',
  waitWritersBeforeValidation: 'waiting for writers before validation',
  validateScanIndex: 'index validation: scanning index',
  validateSortTuples: 'index validation: sorting tuples',
  validateScanTable: 'index validation: scanning table',
  waitOldSnapshots: 'waiting for old snapshots',
  waitReadersBeforeMarkingDead: 'waiting for readers before marking dead',
  waitReadersBeforeDropping: 'waiting for readers before dropping',
} as const;

/*
 * Weights: the share of a concurrent build's time each phase takes, measured on this project's
 * machines (PostgreSQL 18, 2 cores, btree on bigint columns of 2.5-5 M narrow rows, CREATE INDEX
 * CONCURRENTLY in 2-8 s; `npm run bench -- monitor` prints the measured shares beside these):
 *
 *   phase                               no parallel workers   2 parallel workers   weight
 *   building index: scanning table             42-48 %               38 %            42
 *   building index: sorting live tuples         6-17 %               11 %            11
 *   building index: loading tuples in tree     11-12 %               12 %            12
 *   index validation: scanning index             5-6 %               16 %            10
 *   index validation: sorting tuples            12-20 %              12 %            14
 *   index validation: scanning table             4-5 %                9 %             7
 *
 * The validation's index scan grows with the index's size relative to the table's, the sorts
 * with maintenance_work_mem (with 1 GB the table scan is quick and the sort dominates). Waiting
 * phases get a token weight: without other sessions they take no time, and when they do wait
 * no weight could predict how long. A plain CREATE INDEX / REINDEX is the build part alone
 * (same weights, rescaled).
 *
 * overall = (weights of the phases before the current one + its weight x its fraction) / total
 * weight, where the fraction comes from the phase's counter (blocks, tuples or lockers) or, for
 * the sorts (no counter), from extrapolating the rate the build had before the sort (capped at
 * 90 % of the phase). Skipped phases (no writers to wait for, no dead tuples to sort) simply
 * jump. The tracker never lets the overall percent go back. Being a model of typical builds it
 * is off for unusual ones (a long in-memory sort, a GIN index); the ETA then follows the
 * smoothed rate, which corrects itself as the build goes on.
 */
const WEIGHTS = {
  initializing: 0.5,
  wait: 1,
  buildScanTable: 42,
  buildSortLive: 11,
  buildSortDead: 1,
  buildLoadTree: 12,
  validateScanIndex: 10,
  validateSortTuples: 14,
  validateScanTable: 7,
};

const step = (phase: string, label: string, weight: number, counter: CounterKind, extra: Partial<PhaseStep> = {}): PhaseStep => ({
  phase,
  label,
  weight,
  counter,
  waiting: counter === 'lockers',
  ...extra,
});

const INITIALIZING = step(PHASES.initializing, 'Initialize', WEIGHTS.initializing, 'none');
const BUILD_STEPS: PhaseStep[] = [
  step(PHASES.buildScanTable, 'Build: scan table', WEIGHTS.buildScanTable, 'blocks', { building: true }),
  step(PHASES.buildSortLive, 'Build: sort', WEIGHTS.buildSortLive, 'none', { building: true }),
  step(PHASES.buildSortDead, 'Build: sort dead tuples', WEIGHTS.buildSortDead, 'none', { building: true, optional: true }),
  step(PHASES.buildLoadTree, 'Build: load tree', WEIGHTS.buildLoadTree, 'tuples', { building: true }),
];
const CONCURRENT_STEPS: PhaseStep[] = [
  INITIALIZING,
  step(PHASES.waitWritersBeforeBuild, 'Wait for writers (build)', WEIGHTS.wait, 'lockers'),
  ...BUILD_STEPS,
  step(PHASES.waitWritersBeforeValidation, 'Wait for writers (validation)', WEIGHTS.wait, 'lockers'),
  step(PHASES.validateScanIndex, 'Validate: scan index', WEIGHTS.validateScanIndex, 'blocks'),
  step(PHASES.validateSortTuples, 'Validate: sort', WEIGHTS.validateSortTuples, 'none'),
  step(PHASES.validateScanTable, 'Validate: scan table', WEIGHTS.validateScanTable, 'blocks'),
  step(PHASES.waitOldSnapshots, 'Wait for old snapshots', WEIGHTS.wait, 'lockers'),
];
const STEPS: Record<BuildCommand, PhaseStep[]> = {
  'CREATE INDEX': [INITIALIZING, ...BUILD_STEPS],
  REINDEX: [INITIALIZING, ...BUILD_STEPS],
  'CREATE INDEX CONCURRENTLY': CONCURRENT_STEPS,
  'REINDEX CONCURRENTLY': [
    ...CONCURRENT_STEPS,
    step(PHASES.waitReadersBeforeMarkingDead, 'Wait for readers (mark dead)', WEIGHTS.wait, 'lockers'),
    step(PHASES.waitReadersBeforeDropping, 'Wait for readers (drop)', WEIGHTS.wait, 'lockers'),
  ],
};

export function isBuildCommand(command: string): command is BuildCommand {
  return Object.prototype.hasOwnProperty.call(STEPS, command);
}

/** The phases a command goes through, in order. Unknown commands get the concurrent list (the longest). */
export function phasesFor(command: string): readonly PhaseStep[] {
  return isBuildCommand(command) ? STEPS[command] : CONCURRENT_STEPS;
}

export interface PhasePosition {
  /** Index of the (first) step in phasesFor(command); -1 when the phase is unknown. */
  index: number;
  /** Steps it spans: 1, or all build steps for an access method other than btree. */
  span: number;
  step: PhaseStep | null;
  /** `building index` without a btree sub-phase (GIN, GiST, BRIN, hash...). */
  genericBuild: boolean;
}

export function locatePhase(command: string, phase: string): PhasePosition {
  const steps = phasesFor(command);
  const index = steps.findIndex((s) => s.phase === phase);
  if (index >= 0) return { index, span: 1, step: steps[index]!, genericBuild: false };
  if (phase === PHASES.building || phase.startsWith(`${PHASES.building}: `)) {
    const first = steps.findIndex((s) => s.building);
    const span = steps.filter((s) => s.building).length;
    const label = phase === PHASES.building ? 'Build index' : `Build: ${phase.slice(PHASES.building.length + 2)}`;
    const weight = steps.filter((s) => s.building).reduce((sum, s) => sum + s.weight, 0);
    return { index: first, span, step: { phase, label, weight, counter: 'auto', waiting: false, building: true }, genericBuild: true };
  }
  return { index: -1, span: 0, step: null, genericBuild: false };
}

/** Readable label of a phase (the raw string when it is not one we know). */
export function phaseLabel(command: string, phase: string): string {
  const position = locatePhase(command, phase);
  if (!position.step) return phase;
  if (position.step.phase === PHASES.waitWritersBeforeBuild) return 'Waiting for writers before build';
  if (position.step.phase === PHASES.waitWritersBeforeValidation) return 'Waiting for writers before validation';
  return position.step.label;
}

/** The counters of one pg_stat_progress_create_index row (numbers; NULLs as 0 like the view). */
export interface ProgressCounters {
  lockersTotal: number;
  lockersDone: number;
  blocksTotal: number;
  blocksDone: number;
  tuplesTotal: number;
  tuplesDone: number;
  partitionsTotal: number;
  partitionsDone: number;
}

/** The counter a phase's progress comes from, or null when it has none (or reports none yet). */
export function phaseCounter(step: PhaseStep | null, c: ProgressCounters): CounterView | null {
  if (!step) return null;
  const make = (kind: CounterView['kind'], done: number, total: number): CounterView | null =>
    total > 0 ? { kind, done: Math.max(0, Math.min(done, total)), total } : null;
  switch (step.counter) {
    case 'blocks':
      return make('blocks', c.blocksDone, c.blocksTotal);
    case 'tuples':
      return make('tuples', c.tuplesDone, c.tuplesTotal);
    case 'lockers':
      return make('lockers', c.lockersDone, c.lockersTotal);
    case 'auto':
      return make('blocks', c.blocksDone, c.blocksTotal) ?? make('tuples', c.tuplesDone, c.tuplesTotal);
    case 'none':
      return null;
  }
}

/** Fraction 0..1 of the current phase from its counter; null without one. */
export function phaseFraction(step: PhaseStep | null, c: ProgressCounters): number | null {
  const counter = phaseCounter(step, c);
  return counter ? counter.done / counter.total : null;
}

/**
 * Overall fraction 0..1 of a command at `phase` with `fraction` of that phase done. For a
 * partitioned table the row describes the partition being built: the partitions done count
 * whole, the current one by its own overall fraction.
 */
export function overallFraction(command: string, phase: string, fraction: number, partitions?: { done: number; total: number } | null): number | null {
  const steps = phasesFor(command);
  const position = locatePhase(command, phase);
  if (!position.step) return null;
  const total = steps.reduce((sum, s) => sum + s.weight, 0);
  const before = steps.slice(0, position.index).reduce((sum, s) => sum + s.weight, 0);
  const f = clamp01(fraction);
  const inner = (before + position.step.weight * f) / total;
  if (partitions && partitions.total > 0) return clamp01((Math.min(partitions.done, partitions.total) + inner) / partitions.total);
  return clamp01(inner);
}

/** The timeline of a build: every phase of its command, those before the current one done. */
export function timelineFor(command: string, phase: string, seenPhases: ReadonlySet<string> = new Set()): PhaseStepView[] {
  const steps = phasesFor(command);
  const position = locatePhase(command, phase);
  const views: PhaseStepView[] = [];
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    const inCurrent = position.index >= 0 && i >= position.index && i < position.index + position.span;
    if (position.genericBuild && s.building) {
      // Other access methods report `building index` alone: one step for the whole build.
      if (i === position.index) views.push({ phase: position.step!.phase, label: position.step!.label, status: 'current', waiting: false });
      continue;
    }
    const status = inCurrent ? 'current' : position.index >= 0 && i < position.index ? 'done' : 'pending';
    // A step only some builds take is shown when this build took it.
    if (s.optional && !inCurrent && !seenPhases.has(s.phase)) continue;
    views.push({ phase: s.phase, label: s.label, status, waiting: s.waiting });
  }
  return views;
}

/** One progress row with what the monitor's query joins to it. */
export interface ProgressSample extends ProgressCounters {
  pid: number;
  database: string | null;
  /** pg_stat_progress_create_index.relid (the table). */
  relid: number;
  /** The index's oid once known (0/NULL in the view until then; always 0 for a plain CREATE INDEX). */
  indexRelid: number | null;
  schema: string | null;
  table: string | null;
  index: string | null;
  command: string;
  phase: string;
  /** The role may not see this backend's progress: command, phase and counters are NULL. */
  hidden: boolean;
  /** NULLIF(current_locker_pid, 0). */
  currentLockerPid: number | null;
  query: string | null;
  /** Epoch ms. */
  queryStart: number | null;
  xactStart: number | null;
  state: string | null;
  waitEventType: string | null;
  waitEvent: string | null;
  /** The session the build waits for: the current locker, or the first of pg_blocking_pids on a lock wait. */
  blockerPid: number | null;
  blockerQuery: string | null;
  blockerState: string | null;
}

export interface TrackerOptions {
  /** The build's id (default: buildId(sample)). */
  id?: string;
  /** Shortest time constant of the exponential smoothing of the overall rate, in seconds. Default 2. */
  smoothingSeconds?: number;
  /** The time constant grows to this fraction of the time the build has made progress. Default 0.5. */
  adaptiveSmoothing?: number;
  /** The monitor's own backend pid (its query is briefly an "old snapshot" a build waits for). */
  monitorPid?: number | null;
}

/**
 * Follows one build from sample to sample: keeps the phase percent from going back within a
 * phase and the overall percent from going back at all, and smooths the overall rate for the ETA.
 */
export class BuildTracker {
  readonly id: string;
  readonly pid: number;
  /** Epoch ms (server clock) of the first sample. */
  readonly firstSeenAt: number;
  private readonly smoothingSeconds: number;
  private lastPhase: string | null = null;
  private phaseStartedAt = 0;
  private phaseFractionMax = 0;
  private overall = 0;
  /** Exponential moving average of the overall rate (percent per second), started at 0... */
  private emaRate = 0;
  /** ...and the weight it has gathered, to correct that start (the EMA's bias towards 0). */
  private emaWeight = 0;
  /** Seconds of progress seen (waits left out). */
  private activeSeconds = 0;
  /** Seconds between samples that both showed the build waiting (for the build-time measurements). */
  private waitedSeconds = 0;
  private previous: { at: number; waiting: boolean } | null = null;
  private readonly adaptiveSmoothing: number;
  /** Rate just before the current phase: counterless phases are extrapolated with it. */
  private rateAtPhaseStart: number | null = null;
  private rateSample: { at: number; overall: number } | null = null;
  private readonly seenPhases = new Set<string>();
  private lastView: BuildView | null = null;
  private lastSample: ProgressSample | null = null;
  /** Index identity seen while running (for the outcome check). */
  indexRelid: number | null = null;

  constructor(sample: ProgressSample, at: number, options: TrackerOptions = {}) {
    this.id = options.id ?? buildId(sample);
    this.pid = sample.pid;
    this.firstSeenAt = at;
    this.smoothingSeconds = options.smoothingSeconds ?? 2;
    this.adaptiveSmoothing = options.adaptiveSmoothing ?? 0.5;
  }

  /**
   * Percent per second: an exponential moving average of the rate between samples, bias
   * corrected (early on it is the average since the build started making progress). Its time
   * constant grows with the build (`adaptiveSmoothing` x the time spent so far, at least
   * `smoothingSeconds`): a build of hours is judged on minutes, a build of seconds on seconds.
   * Null until two samples of progress.
   */
  get rate(): number | null {
    return this.emaWeight > 0 ? this.emaRate / this.emaWeight : null;
  }

  get view(): BuildView | null {
    return this.lastView;
  }

  get sample(): ProgressSample | null {
    return this.lastSample;
  }

  get phases(): ReadonlySet<string> {
    return this.seenPhases;
  }

  /** The previous phase when `sample` starts a new one, else undefined. */
  update(sample: ProgressSample, at: number, options: TrackerOptions = {}): { view: BuildView; phaseChangedFrom?: string | null } {
    const position = locatePhase(sample.command, sample.phase);
    const phaseChanged = sample.phase !== this.lastPhase;
    const previousPhase = this.lastPhase;
    if (phaseChanged) {
      this.lastPhase = sample.phase;
      this.phaseStartedAt = at;
      this.phaseFractionMax = 0;
      this.rateAtPhaseStart = this.rate;
      this.seenPhases.add(sample.phase);
    }
    if (sample.indexRelid) this.indexRelid = sample.indexRelid;

    const counter = phaseCounter(position.step, sample);
    let fraction = counter ? counter.done / counter.total : null;
    if (fraction !== null) {
      fraction = Math.max(fraction, this.phaseFractionMax);
      this.phaseFractionMax = fraction;
    }

    const waitingPhase = position.step?.waiting ?? false;
    const lockWait = sample.waitEventType === 'Lock' && sample.blockerPid !== null;
    const waiting = waitingPhase || lockWait;

    // Phases without a counter (sorts) advance at the rate the build had before them, up to
    // 90 % of their weight: the bar keeps moving and the ETA stays put instead of climbing.
    let effectiveFraction = fraction ?? 0;
    if (fraction === null && position.step && !position.step.waiting && position.step.weight > 0 && this.rateAtPhaseStart) {
      const total = phasesFor(sample.command).reduce((sum, s) => sum + s.weight, 0);
      const phaseShare = (position.step.weight / total) * 100;
      effectiveFraction = Math.min(0.9, (((at - this.phaseStartedAt) / 1000) * this.rateAtPhaseStart) / phaseShare);
    }
    const partitions = sample.partitionsTotal > 0 ? { done: sample.partitionsDone, total: sample.partitionsTotal } : null;
    const overallNow = overallFraction(sample.command, sample.phase, effectiveFraction, partitions);
    if (overallNow !== null) this.overall = Math.max(this.overall, overallNow * 100);

    if (waiting && this.previous?.waiting) this.waitedSeconds += Math.max(0, (at - this.previous.at) / 1000);
    this.previous = { at, waiting };
    if (waiting) {
      // Time spent waiting on others says nothing about the build's speed.
      this.rateSample = null;
    } else if (this.rateSample === null) {
      this.rateSample = { at, overall: this.overall };
    } else {
      const dt = (at - this.rateSample.at) / 1000;
      if (dt > 0) {
        const instant = (this.overall - this.rateSample.overall) / dt;
        this.activeSeconds += dt;
        const tau = Math.max(this.smoothingSeconds, this.adaptiveSmoothing * this.activeSeconds);
        const alpha = 1 - Math.exp(-dt / tau);
        this.emaRate += alpha * (instant - this.emaRate);
        this.emaWeight += alpha * (1 - this.emaWeight);
        this.rateSample = { at, overall: this.overall };
      }
    }

    const monitorPid = options.monitorPid ?? null;
    const waitingOnPid = waiting ? (sample.blockerPid ?? sample.currentLockerPid) : null;
    const waitingOn: WaitingOnView | null =
      waitingOnPid !== null && waitingOnPid > 0
        ? { pid: waitingOnPid, query: sample.blockerQuery, state: sample.blockerState, self: waitingOnPid === monitorPid }
        : null;

    const remaining = 100 - this.overall;
    const rate = this.rate;
    const eta = !waiting && rate !== null && rate > 1e-6 ? remaining / rate : null;
    const startedAt = sample.queryStart ?? this.firstSeenAt;
    const view: BuildView = {
      id: this.id,
      pid: sample.pid,
      database: sample.database,
      schema: sample.schema,
      table: sample.table ?? (sample.hidden ? '(hidden)' : `oid ${sample.relid}`),
      index: reportedIndexName(sample.command, sample.index) ?? indexNameFromStatement(sample.query)?.name ?? null,
      command: sample.command,
      concurrent: sample.command.endsWith('CONCURRENTLY'),
      phase: sample.phase,
      phaseLabel: sample.hidden ? HIDDEN_BUILD_LABEL : phaseLabel(sample.command, sample.phase),
      timeline: timelineFor(sample.command, sample.phase, this.seenPhases),
      phasePercent: fraction === null ? null : round1(fraction * 100),
      overallPercent: round1(this.overall),
      counter,
      partitions,
      elapsedSeconds: Math.max(0, (at - startedAt) / 1000),
      waitedSeconds: round1(this.waitedSeconds),
      etaSeconds: eta === null ? null : Math.max(0, round1(eta)),
      waiting,
      waitingOn,
      lockers: waitingPhase && sample.lockersTotal > 0 ? { done: sample.lockersDone, total: sample.lockersTotal } : null,
      query: sample.query,
      startedAt,
      hidden: sample.hidden,
    };
    this.lastView = view;
    this.lastSample = sample;
    return phaseChanged ? { view, phaseChangedFrom: previousPhase } : { view };
  }
}

/**
 * The index a build is about. REINDEX CONCURRENTLY builds a copy named `<index>_ccnew` (then
 * `_ccnew1`...) and reports that copy while building it; it swaps names at the end, so the
 * original name is the one to show and to check.
 */
export function reportedIndexName(command: string, index: string | null): string | null {
  if (index === null || command !== 'REINDEX CONCURRENTLY') return index;
  const m = /^(.+)_cc(?:new|old)\d*$/.exec(index);
  return m ? m[1]! : index;
}

/** A build's identity: backend pid + statement start (pids are reused). */
export function buildId(sample: Pick<ProgressSample, 'pid' | 'queryStart'>): string {
  return `${sample.pid}:${Math.round(sample.queryStart ?? 0)}`;
}

export interface StatementIndexName {
  schema: string | null;
  name: string;
}

/**
 * The index a CREATE INDEX / REINDEX INDEX statement names (a plain CREATE INDEX reports no
 * index oid while it runs). Null for an unnamed CREATE INDEX or anything else.
 */
export function indexNameFromStatement(query: string | null): StatementIndexName | null {
  if (!query) return null;
  const text = stripLeadingComments(query);
  const create = /^create\s+(?:unique\s+)?index\s+(?:concurrently\s+)?(?:if\s+not\s+exists\s+)?/i.exec(text);
  const reindex = /^reindex\s+(?:\([^)]*\)\s*)?index\s+(?:concurrently\s+)?/i.exec(text);
  const match = create ?? reindex;
  if (!match) return null;
  const rest = text.slice(match[0].length);
  if (create && /^on\s/i.test(rest)) return null;
  const first = readIdentifier(rest);
  if (!first) return null;
  if (create && first.name.toLowerCase() === 'on' && !first.quoted) return null;
  const afterFirst = rest.slice(first.length);
  if (afterFirst.startsWith('.')) {
    const second = readIdentifier(afterFirst.slice(1));
    return second ? { schema: first.name, name: second.name } : null;
  }
  return { schema: null, name: first.name };
}

function stripLeadingComments(text: string): string {
  let rest = text.trimStart();
  for (;;) {
    if (rest.startsWith('--')) {
      const nl = rest.indexOf('\n');
      rest = nl < 0 ? '' : rest.slice(nl + 1).trimStart();
    } else if (rest.startsWith('/*')) {
      const end = rest.indexOf('*/');
      rest = end < 0 ? '' : rest.slice(end + 2).trimStart();
    } else return rest;
  }
}

function readIdentifier(text: string): { name: string; length: number; quoted: boolean } | null {
  if (text.startsWith('"')) {
    let i = 1;
    let name = '';
    while (i < text.length) {
      if (text[i] === '"') {
        if (text[i + 1] === '"') {
          name += '"';
          i += 2;
          continue;
        }
        return { name, length: i + 1, quoted: true };
      }
      name += text[i];
      i++;
    }
    return null;
  }
  const m = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(text);
  // Unquoted identifiers fold to lower case.
  return m ? { name: m[0].toLowerCase(), length: m[0].length, quoted: false } : null;
}

/** What the monitor's query says, at the same instant, about a build it tracks. */
export interface TrackedFacts {
  /** The backend still exists. */
  alive: boolean;
  state: string | null;
  xactStart: number | null;
  /** Indexes on the build's table named like the build's index (its `_ccnew` copies included). */
  indexes: Array<{ schema: string; name: string; valid: boolean; relfilenode: number }>;
}

/** What was known about a build when it left pg_stat_progress_create_index. */
export interface FinishingBuild {
  command: string;
  schema: string | null;
  index: string | null;
  /** xact_start of the backend while it built. */
  xactStart: number | null;
  /** relfilenode of the index when first seen (REINDEX writes a new one). */
  initialRelfilenode: number | null;
  cancelRequested: boolean;
  /** Ticks the build has already been seen gone with a bad-looking result. */
  confirmations: number;
}

export type OutcomeDecision =
  | { decided: false; reason: 'transaction-open' | 'confirm' }
  | { decided: true; outcome: BuildOutcome; leftover: { schema: string; index: string } | null; detail: string };

/**
 * How a build ended, from the catalog as the monitor's query saw it just after the build left the
 * progress view. A bad result (no index, INVALID) is only believed on a second tick: the view and
 * the catalog are read from snapshots a moment apart, and the build's last commit may fall between.
 */
export function decideOutcome(build: FinishingBuild, facts: TrackedFacts): OutcomeDecision {
  const aborted = facts.state === 'idle in transaction (aborted)';
  // A plain CREATE INDEX inside a migration's transaction: nothing is visible until it commits.
  if (facts.alive && build.xactStart !== null && facts.xactStart === build.xactStart && !aborted) {
    return { decided: false, reason: 'transaction-open' };
  }
  const exact = build.index ? facts.indexes.find((i) => i.name === build.index) : undefined;
  // A failed REINDEX CONCURRENTLY leaves its new copy, <index>_ccnew, INVALID beside the old index.
  const ccnew =
    build.command === 'REINDEX CONCURRENTLY' && build.index
      ? facts.indexes.find((i) => i.name !== build.index && !i.valid && i.name.startsWith(`${build.index}_ccnew`))
      : undefined;
  const invalid = build.command === 'REINDEX CONCURRENTLY' ? ccnew : exact && !exact.valid ? exact : undefined;
  const leftover = invalid ? { schema: invalid.schema, index: invalid.name } : null;

  if (build.cancelRequested) {
    return {
      decided: true,
      outcome: 'cancelled',
      leftover,
      detail: leftover ? `Cancelled. It left the INVALID index ${leftover.index} behind: drop it concurrently.` : 'Cancelled. Nothing was left behind.',
    };
  }
  const looksGood =
    exact !== undefined && exact.valid && !ccnew && (build.command !== 'REINDEX' || build.initialRelfilenode === null || exact.relfilenode !== build.initialRelfilenode);
  if (looksGood) return { decided: true, outcome: 'valid', leftover: null, detail: `The index ${exact.name} is valid.` };
  if (!build.index) {
    return { decided: true, outcome: 'unknown', leftover: null, detail: 'The statement names no index, so its result could not be checked.' };
  }
  if (build.confirmations < 1) return { decided: false, reason: 'confirm' };
  if (leftover) {
    return {
      decided: true,
      outcome: 'invalid',
      leftover,
      detail: `The build ended without finishing and left the INVALID index ${leftover.index}: drop it concurrently, then build again.`,
    };
  }
  if (build.command === 'REINDEX' && exact?.valid) {
    return { decided: true, outcome: 'failed', leftover: null, detail: 'The REINDEX was rolled back; the old index is still in use.' };
  }
  return {
    decided: true,
    outcome: 'failed',
    leftover: null,
    detail: facts.alive ? 'The build failed or was rolled back; no index was created.' : 'The session ended before the build finished; no index was created.',
  };
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
