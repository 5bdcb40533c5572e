// How big an index will be and how long building it may take, from what the connected database
// tells (row estimates, table sizes, pg_stats widths). Nothing here is guessed: a fact that is
// missing makes the estimate unknown (null), never a made-up number.

/** B-tree layout (PostgreSQL's nbtree, default 8 kB pages). */
const PAGE_BYTES = 8192;
const PAGE_HEADER_BYTES = 24;
const BTREE_SPECIAL_BYTES = 16;
/** An index tuple's header (the heap pointer and t_info) and its line pointer. */
const INDEX_TUPLE_HEADER_BYTES = 8;
const LINE_POINTER_BYTES = 4;
const MAXALIGN = 8;
/** Default fill factors of a B-tree build: leaf pages 90 %, internal pages 70 %. */
const LEAF_FILL = 0.9;
const INTERNAL_FILL = 0.7;

export interface IndexSizeFacts {
  /** The table's row estimate (pg_class.reltuples). */
  rows: number | null;
  /** pg_stats.avg_width of each key column, in order; null for a column the statistics do not know (or an expression). */
  columnWidths: (number | null)[];
  /** The access method; null means btree (the default). */
  using: string | null;
  /** A partial index holds only the rows its WHERE matches: how many is not known here. */
  partial: boolean;
}

/**
 * The size of a B-tree index built over the whole table, in bytes, before deduplication
 * (PostgreSQL 13+ stores repeated keys of a non-unique index once, which makes it smaller).
 * Null when a fact is missing, for a partial index and for methods other than btree.
 */
export function estimateIndexBytes(facts: IndexSizeFacts): number | null {
  if (facts.rows === null || facts.partial) return null;
  if (facts.using !== null && facts.using.toLowerCase() !== 'btree') return null;
  if (facts.columnWidths.length === 0 || facts.columnWidths.some((width) => width === null)) return null;
  const keyBytes = (facts.columnWidths as number[]).reduce((sum, width) => sum + width, 0);
  const tupleBytes = align(INDEX_TUPLE_HEADER_BYTES + keyBytes) + LINE_POINTER_BYTES;
  const usable = PAGE_BYTES - PAGE_HEADER_BYTES - BTREE_SPECIAL_BYTES;
  const perLeaf = Math.max(1, Math.floor((usable - PAGE_BYTES * (1 - LEAF_FILL)) / tupleBytes));
  const perInternal = Math.max(2, Math.floor((usable - PAGE_BYTES * (1 - INTERNAL_FILL)) / tupleBytes));
  let pages = Math.max(1, Math.ceil(Math.max(0, facts.rows) / perLeaf));
  let level = pages;
  while (level > 1) {
    level = Math.ceil(level / perInternal);
    pages += level;
  }
  // The metapage.
  return (pages + 1) * PAGE_BYTES;
}

function align(bytes: number): number {
  return Math.ceil(bytes / MAXALIGN) * MAXALIGN;
}

export interface BuildFacts {
  /** The table's size (pg_relation_size), what a build scans. */
  tableBytes: number | null;
  /** CONCURRENTLY: two table scans instead of one. */
  concurrent: boolean;
  /** How many indexes the statement builds (REINDEX TABLE rebuilds each index of the table); default 1. */
  indexCount?: number;
}

/** One finished build the monitor saw on this server. */
export interface MeasuredBuild {
  tableBytes: number;
  seconds: number;
  concurrent: boolean;
}

export interface BuildHistory {
  builds: readonly MeasuredBuild[];
}

export interface BuildTimeEstimate {
  /** Null when the table's size is unknown. */
  seconds: number | null;
  /** `history`: from builds measured on this server; `default`: DEFAULT_BUILD_BYTES_PER_SECOND. */
  basis: 'history' | 'default';
  /** The rate used, in table bytes per second of a plain (not concurrent) build. */
  bytesPerSecond: number;
  /** How many measured builds the rate comes from (0 for the default). */
  measuredBuilds: number;
}

/**
 * The rate assumed while no build was measured on the server: 20 MiB of table per second for a
 * plain build. Deliberately low (a busy production server with a cold cache, one maintenance
 * worker, a wide key): an estimate that comes out too long does less harm than one too short.
 */
export const DEFAULT_BUILD_BYTES_PER_SECOND = 20 * 1024 * 1024;

/** CONCURRENTLY scans the table twice (and waits for older transactions, which no estimate can know). */
export const CONCURRENT_BUILD_FACTOR = 2;

/**
 * Seconds a build may take: the table's size over a rate, the median rate of the builds measured
 * on this server when there are any, else the conservative default.
 */
export function estimateBuildSeconds(facts: BuildFacts, history: BuildHistory | null | undefined): BuildTimeEstimate {
  const rates = (history?.builds ?? [])
    .filter((build) => build.tableBytes > 0 && build.seconds > 0)
    // A concurrent build's time counts both scans: bring it back to a plain build's rate.
    .map((build) => (build.tableBytes / build.seconds) * (build.concurrent ? CONCURRENT_BUILD_FACTOR : 1));
  const bytesPerSecond = rates.length > 0 ? median(rates) : DEFAULT_BUILD_BYTES_PER_SECOND;
  const basis = rates.length > 0 ? 'history' : 'default';
  if (facts.tableBytes === null) return { seconds: null, basis, bytesPerSecond, measuredBuilds: rates.length };
  const scans = (facts.concurrent ? CONCURRENT_BUILD_FACTOR : 1) * Math.max(1, facts.indexCount ?? 1);
  return { seconds: (facts.tableBytes / bytesPerSecond) * scans, basis, bytesPerSecond, measuredBuilds: rates.length };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** What the texts say about where an estimate comes from. */
export const NO_BUILDS_MEASURED = 'no builds measured on this server yet';

export function estimateBasisText(estimate: BuildTimeEstimate): string {
  if (estimate.basis === 'history') return `from ${estimate.measuredBuilds} build${estimate.measuredBuilds === 1 ? '' : 's'} measured on this server`;
  return `${NO_BUILDS_MEASURED}: assumes ${Math.round(estimate.bytesPerSecond / (1024 * 1024))} MB of table per second`;
}

/** `< 1 s`, `~40 s`, `~4 min`, `~1 h 20 min`: an estimate, rounded as one. */
export function formatEstimatedDuration(seconds: number): string {
  if (seconds < 1) return '< 1 s';
  if (seconds < 60) return `~${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `~${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `~${hours} h` : `~${hours} h ${rest} min`;
}
