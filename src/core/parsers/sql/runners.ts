// Which tool runs a SQL migration, and what that means for transactions. Read from the
// file's marker comments, its path, and (Flyway) the script's `.sql.conf` text the caller passes.
import {
  SQL_RUNNER_NAMES,
  type Direction,
  type SourceRange,
  type SqlRunnerInfo,
  type SqlRunnerName,
  type SqlSection,
} from '../../model/migration';
import type { RawStatement, SqlToken } from './statements';
import { PRISMA_MIGRATION_PATH, forwardSlashes } from '../../paths';

export interface RunnerInput {
  path: string;
  source: string;
  comments: SqlToken[];
  statements: RawStatement[];
  statementCount: number;
  runner?: string;
  sidecarConfig?: string;
  /** The project's setting: after the file's own markers, before its path. */
  defaultRunner?: string;
}

export interface RunnerResult {
  info: SqlRunnerInfo;
  runsInTransaction: boolean;
  /** Direction of operations outside any section. */
  defaultDirection: Direction;
}

const MARKERS: Partial<Record<SqlRunnerName, string>> = {
  goose: '-- +goose NO TRANSACTION',
  dbmate: 'transaction:false',
  atlas: '-- atlas:txmode none',
  'postgres-migrations': '-- postgres-migrations disable-transaction',
};

const GOOSE = /^--\s*\+goose\s+(up|down|no\s+transaction|statementbegin|statementend|envsub\b)/i;
const GOOSE_NO_TRANSACTION = /^--\s*\+goose\s+no\s+transaction\b/i;
/** What every marker starts with: `--`, spaces, then the first character of `+goose`, `migrate:`, `atlas:` or `postgres-migrations`. */
const MARKER_START = /^--\s*[+map]/;
const DBMATE = /^--\s*migrate:(up|down)\b(.*)$/;
const ATLAS_TXMODE = /^--\s*atlas:txmode\s+(\w+)/;
const POSTGRES_MIGRATIONS = /^--\s*postgres-migrations\s+disable-transaction\b/;

interface Annotation {
  comment: SqlToken;
  text: string;
}

export function detectRunner(input: RunnerInput): RunnerResult {
  // Annotations only count at the start of their line, as the tools read them. Only comments that
  // may be markers are kept: every use below matches one of the markers' patterns. (Plain loops
  // and no callbacks here and below: this runs once per file, mostly before it is optimized.)
  const annotations: Annotation[] = [];
  const comments = input.comments;
  for (let k = 0; k < comments.length; k++) {
    const comment = comments[k]!;
    if (MARKER_START.test(comment.word) && startsLine(input.source, comment.start)) {
      annotations.push({ comment, text: input.source.slice(comment.start, comment.end).trim() });
    }
  }

  // The first that names a runner wins; later sources are not read. (Plain assignments: a
  // destructuring of an array literal costs an iterator.)
  let name: SqlRunnerName | null | undefined = runnerNamed(input.runner);
  let detectedBy: SqlRunnerInfo['detectedBy'] = 'option';
  if (!name) {
    name = markerRunner(annotations);
    detectedBy = 'marker';
  }
  if (!name && input.sidecarConfig !== undefined) {
    name = 'flyway';
    detectedBy = 'sidecar';
  }
  if (!name) {
    name = runnerNamed(input.defaultRunner);
    detectedBy = 'setting';
  }
  // The path (and the file name, which Flyway and golang-migrate read) only when it is needed.
  let path = '';
  let fileName = '';
  if (!name || name === 'flyway' || name === 'golang-migrate') {
    path = forwardSlashes(input.path);
    fileName = path.slice(path.lastIndexOf('/') + 1);
  }
  if (!name) {
    name = runnerOfPath(path, fileName);
    detectedBy = 'path';
  }
  if (!name) {
    name = 'psql';
    detectedBy = 'default';
  }

  const info: SqlRunnerInfo = { name, detectedBy, execution: 'statements', leaveBy: 'none', sections: [] };
  if (MARKERS[name]) info.marker = MARKERS[name];
  let runsInTransaction = false;
  let defaultDirection: Direction = 'sql';

  switch (name) {
    case 'psql':
      break;
    case 'goose': {
      runsInTransaction = true;
      for (let k = 0; k < annotations.length; k++) if (GOOSE_NO_TRANSACTION.test(annotations[k]!.text)) runsInTransaction = false;
      info.sections = sections(input.source, annotations, 'goose', runsInTransaction);
      info.leaveBy = 'marker';
      break;
    }
    case 'dbmate': {
      const found = sections(input.source, annotations, 'dbmate', true);
      info.sections = found;
      // The up section decides the file; a down section that differs marks its own operations.
      let main = found[0];
      for (let k = 0; k < found.length; k++) {
        if (found[k]!.direction === 'up') {
          main = found[k];
          break;
        }
      }
      runsInTransaction = main ? main.runsInTransaction : true;
      info.leaveBy = 'marker';
      break;
    }
    case 'atlas': {
      let directive: Annotation | undefined;
      for (let k = 0; k < annotations.length && !directive; k++) if (ATLAS_TXMODE.test(annotations[k]!.text)) directive = annotations[k];
      if (directive) {
        const value = ATLAS_TXMODE.exec(directive.text)![1]!;
        const valueStart = input.source.indexOf(value, directive.comment.start + directive.text.indexOf('atlas:txmode'));
        info.txModeDirective = { value, valueRange: { start: valueStart, end: valueStart + value.length } };
      }
      runsInTransaction = info.txModeDirective?.value !== 'none';
      info.leaveBy = 'marker';
      break;
    }
    case 'postgres-migrations':
      runsInTransaction = true;
      for (let k = 0; k < annotations.length; k++) if (POSTGRES_MIGRATIONS.test(annotations[k]!.text)) runsInTransaction = false;
      info.leaveBy = 'marker';
      break;
    case 'flyway': {
      // Flyway runs a script in a transaction unless its `.conf` says otherwise or it holds a
      // statement Postgres refuses in one (then the whole script runs outside).
      const configured = executeInTransaction(input.sidecarConfig);
      runsInTransaction = configured ?? !someFlywayNonTransactional(input.statements);
      info.leaveBy = configured === true ? 'config' : 'automatic';
      if (/^U/.test(fileName)) defaultDirection = 'down';
      break;
    }
    case 'golang-migrate':
    case 'prisma':
      // The whole file is one query string: more than one statement makes it one implicit transaction.
      info.execution = 'multiStatement';
      runsInTransaction = input.statementCount > 1;
      info.leaveBy = 'splitFile';
      if (name === 'golang-migrate') {
        const m = /\.(up|down)\.sql$/i.exec(fileName);
        if (m) defaultDirection = m[1]!.toLowerCase() as Direction;
      }
      break;
  }
  if (info.execution !== 'multiStatement') info.execution = runsInTransaction ? 'transaction' : 'statements';
  return { info, runsInTransaction, defaultDirection };
}

function runnerNamed(name: string | undefined): SqlRunnerName | undefined {
  const wanted = name?.trim().toLowerCase();
  return wanted ? SQL_RUNNER_NAMES.find((n) => n === wanted) : undefined;
}

function startsLine(source: string, offset: number): boolean {
  for (let i = offset - 1; i >= 0; i--) {
    const c = source[i];
    if (c === '\n') return true;
    if (c !== ' ' && c !== '\t' && c !== '\r' && c !== '\ufeff') return false;
  }
  return true;
}

function markerRunner(annotations: Annotation[]): SqlRunnerName | null {
  for (let k = 0; k < annotations.length; k++) {
    const text = annotations[k]!.text;
    if (GOOSE.test(text)) return 'goose';
    if (DBMATE.test(text)) return 'dbmate';
    if (ATLAS_TXMODE.test(text)) return 'atlas';
    if (POSTGRES_MIGRATIONS.test(text)) return 'postgres-migrations';
  }
  return null;
}

/** golang-migrate: `1_name.up.sql`; Prisma: `migrations/<name>/migration.sql`; Flyway: `V1__name.sql`. */
export function pathRunner(path: string): SqlRunnerName | null {
  const normalized = forwardSlashes(path);
  return runnerOfPath(normalized, normalized.slice(normalized.lastIndexOf('/') + 1));
}

/** pathRunner over a path with forward slashes and its file name. */
function runnerOfPath(normalized: string, fileName: string): SqlRunnerName | null {
  if (/\.(up|down)\.sql$/i.test(fileName)) return 'golang-migrate';
  if (PRISMA_MIGRATION_PATH.test(normalized)) return 'prisma';
  if (/^(?:[VU]\d+(?:[._]\d+)*|R)__.+\.sql$/.test(fileName)) return 'flyway';
  return null;
}

/** `executeInTransaction=false` in a Flyway script config (`.sql.conf`); null when not set. */
export function executeInTransaction(config: string | undefined): boolean | null {
  if (config === undefined) return null;
  let result: boolean | null = null;
  for (const line of config.split(/\r?\n/)) {
    const m = /^\s*(?:flyway\.)?executeInTransaction\s*[=:]\s*(\w+)\s*$/i.exec(line);
    if (m) result = m[1]!.toLowerCase() === 'true';
  }
  return result;
}

/**
 * Flyway's own test (PostgreSQLParser.detectCanExecuteInTransaction) over the statement's
 * leading keywords. Note that it does not know `REINDEX TABLE CONCURRENTLY`: such a script
 * still runs in a transaction, and fails.
 */
function someFlywayNonTransactional(statements: RawStatement[]): boolean {
  for (let k = 0; k < statements.length; k++) if (flywayNonTransactional(statements[k]!)) return true;
  return false;
}

function flywayNonTransactional(statement: RawStatement): boolean {
  const tokens = statement.tokens;
  let words = '';
  for (let k = 0; k < tokens.length && k < 5; k++) words += (k > 0 ? ' ' : '') + tokens[k]!.word.toUpperCase();
  return (
    /^(CREATE|DROP)( UNIQUE)? INDEX CONCURRENTLY\b/.test(words) ||
    /^REINDEX( VERBOSE)? (SCHEMA|DATABASE|SYSTEM)\b/.test(words) ||
    /^(CREATE|DROP) (DATABASE|TABLESPACE|SUBSCRIPTION)\b/.test(words) ||
    /^ALTER SYSTEM\b/.test(words) ||
    /^VACUUM\b/.test(words) ||
    /^DISCARD ALL\b/.test(words)
  );
}

/**
 * The up and down sections marked by goose's `-- +goose Up` / `Down` (each runs in a transaction
 * as the file does: `runsInTransaction`) or dbmate's `-- migrate:up` / `down` (each in a
 * transaction unless it says `transaction:false`).
 */
function sections(source: string, annotations: Annotation[], runner: 'goose' | 'dbmate', runsInTransaction: boolean): SqlSection[] {
  const found: SqlSection[] = [];
  for (let k = 0; k < annotations.length; k++) {
    const a = annotations[k]!;
    let direction: Direction;
    let inTransaction = runsInTransaction;
    if (runner === 'goose') {
      const word = GOOSE.exec(a.text)?.[1]?.toLowerCase();
      if (word !== 'up' && word !== 'down') continue;
      direction = word;
    } else {
      const m = DBMATE.exec(a.text);
      if (!m) continue;
      direction = m[1] as Direction;
      inTransaction = !/\btransaction:\s*false\b/.test(m[2]!);
    }
    const annotation: SourceRange = { start: a.comment.start, end: a.comment.end };
    const previous = found[found.length - 1];
    if (previous) previous.range.end = annotation.start;
    found.push({ direction, runsInTransaction: inTransaction, annotation, range: { start: annotation.start, end: source.length } });
  }
  return found;
}
