import type { MigrationFile } from './model/migration';
import type { LintContext } from './lint-context';
import { RULES } from './rules';
import type { Finding, Rule } from './rules/rule';
import { parseRailsMigration } from './parsers/rails/parse-rails-migration';
import { RubyNestingTooDeep, lazyPrismParser, loadPrismParser, type PrismParse } from './parsers/rails/prism';
import { loadSqlParser, type SqlParser } from './parsers/sql/libpg-query';
import { parseSqlMigration, type SqlParseOptions } from './parsers/sql/parse-sql-migration';
import { parseEmbeddedSql } from './parsers/sql/embedded';
import { lineStarts, positionAt } from './parsers/source-text';
import { parseDjangoMigration } from './parsers/django/parse-django-migration';
import { parseJsMigration } from './parsers/js/parse-js-migration';
import { GrammarNotLoaded, loadTreeSitter, parseWithTreeSitter, type TreeSitterGrammar, type TreeSitterParse } from './parsers/tree-sitter/tree-sitter';

/** Not rules, but reported like findings so every front end shows them the same way. */
export const SYNTAX_ERROR = 'syntax-error';
export const FILE_SKIPPED = 'file-skipped';
/**
 * A parser or rule failure met on this file (a bug, or a file nested beyond what the parser
 * follows): reported instead of thrown into the host, as an error, for the file went unlinted.
 */
export const INTERNAL_ERROR = 'internal-error';

export interface Parsers {
  ruby: PrismParse;
  sql: SqlParser;
  /** Python (Django) and TypeScript/JavaScript (Knex, TypeORM, ...): each grammar loaded on demand (loadGrammarsFor). */
  treeSitter?: TreeSitterParse;
}

export type MigrationLanguage = 'ruby' | 'sql' | 'python' | 'typescript' | 'javascript';

/** The languages read with tree-sitter, and their grammar. */
const TREE_SITTER_GRAMMARS: Partial<Record<MigrationLanguage, TreeSitterGrammar>> = {
  python: 'python',
  typescript: 'typescript',
  javascript: 'javascript',
};

/**
 * Loads the tree-sitter grammars these languages need (none for Ruby and SQL): before linting a
 * Django or Node migration. A grammar already loaded costs nothing.
 */
export async function loadGrammarsFor(languages: readonly MigrationLanguage[]): Promise<void> {
  const grammars = languages.map((l) => TREE_SITTER_GRAMMARS[l]).filter((g): g is TreeSitterGrammar => g !== undefined);
  if (grammars.length > 0) await loadTreeSitter(grammars);
}

/**
 * Loads the parsers. `languages`: what is about to be linted. The SQL parser is always loaded
 * (Ruby migrations embed SQL); Prism is compiled now only when Ruby is among them, otherwise on
 * the first Ruby file, so a run over SQL migrations alone never pays for it.
 */
export async function loadParsers(languages: readonly MigrationLanguage[] = ['ruby', 'sql']): Promise<Parsers> {
  const [ruby, sql] = await Promise.all([languages.includes('ruby') ? loadPrismParser() : lazyPrismParser(), loadSqlParser(), loadGrammarsFor(languages)]);
  return { ruby, sql, treeSitter: parseWithTreeSitter };
}

/** Thrown by lintSource when the file needs libpg-query before a deferred parser has loaded it. */
export class SqlParserPending extends Error {
  constructor() {
    super('the SQL parser (libpg-query) is not loaded yet');
  }
}

/** libpg-query loaded only when a statement needs it, which most statements do not (fast-statements.ts). */
export interface DeferredSqlParser extends SqlParser {
  readonly deferred: true;
  /** Loads libpg-query; files that met SqlParserPending are linted again after this. */
  load(): Promise<void>;
  /** Whether a parse was asked for while it was not loaded, since the last call. */
  takeMiss(): boolean;
}

/**
 * A SQL parser that loads nothing up front: until load() resolves, a parse throws (and is
 * remembered, for a caller such as parseEmbeddedSql may catch what it throws), and lintSource
 * throws SqlParserPending for the file. A CLI run over migrations that the fast reader knows
 * entirely never compiles libpg-query's WASM (some 15 ms).
 */
export function deferredSqlParser(): DeferredSqlParser {
  let ready: SqlParser | undefined;
  let missed = false;
  const pending = (): never => {
    missed = true;
    throw new SqlParserPending();
  };
  return {
    deferred: true,
    parse: (text) => (ready ? ready.parse(text) : pending()),
    scan: (text) => (ready ? ready.scan(text) : pending()),
    async load() {
      ready ??= await loadSqlParser();
    },
    takeMiss() {
      const result = missed;
      missed = false;
      return result;
    },
  };
}

/** Parsers for a batch run: Prism as loadParsers gives it, libpg-query deferred (see deferredSqlParser). */
export async function loadParsersDeferred(languages: readonly MigrationLanguage[]): Promise<Parsers & { sql: DeferredSqlParser }> {
  const [ruby] = await Promise.all([languages.includes('ruby') ? loadPrismParser() : lazyPrismParser(), loadGrammarsFor(languages)]);
  return { ruby, sql: deferredSqlParser(), treeSitter: parseWithTreeSitter };
}

function missedDeferredParse(parser: SqlParser): boolean {
  return (parser as Partial<DeferredSqlParser>).deferred === true && (parser as DeferredSqlParser).takeMiss();
}

export function languageOfPath(path: string): MigrationLanguage | null {
  if (path.endsWith('.rb')) return 'ruby';
  if (path.endsWith('.sql')) return 'sql';
  if (path.endsWith('.py')) return 'python';
  if (path.endsWith('.ts') || path.endsWith('.mts') || path.endsWith('.cts')) return path.endsWith('.d.ts') ? null : 'typescript';
  if (path.endsWith('.js') || path.endsWith('.mjs') || path.endsWith('.cjs')) return 'javascript';
  return null;
}

/**
 * Whether a Python or JS/TS file sits where Django and the Node ORMs keep migrations: a Django
 * app's `migrations/` folder (not its `__init__.py`), a `migrations` / `migration` folder for
 * Knex, TypeORM, node-pg-migrate and Sequelize. Walks lint only these; Ruby and SQL: always true.
 */
export function isMigrationPath(path: string, language: MigrationLanguage): boolean {
  if (language === 'ruby' || language === 'sql') return true;
  const parts = path.split(/[\\/]/);
  const name = parts.at(-1) ?? '';
  if (language === 'python') return parts.at(-2) === 'migrations' && name !== '__init__.py';
  return parts.slice(0, -1).some((folder) => folder === 'migrations' || folder === 'migration') && !name.endsWith('.d.ts') && !/\.(?:test|spec)\.[cm]?[jt]s$/.test(name);
}

export function parseMigration(
  path: string,
  source: string,
  language: MigrationLanguage,
  parsers: Parsers,
  sqlOptions?: SqlParseOptions,
): MigrationFile | null {
  if (language === 'ruby') {
    const parseEmbedded = (sql: string, offset: number) => parseEmbeddedSql(sql, offset, { parser: parsers.sql, source });
    return parseRailsMigration(path, source, parsers.ruby, { parseEmbeddedSql: parseEmbedded });
  }
  if (language === 'sql') return parseSqlMigration(path, source, parsers.sql, sqlOptions);
  const treeSitter = parsers.treeSitter ?? parseWithTreeSitter;
  if (language === 'python') return parseDjangoMigration(path, source, treeSitter, { sqlParser: parsers.sql });
  if (language === 'typescript' || language === 'javascript') return parseJsMigration(path, source, treeSitter, { sqlParser: parsers.sql, typescript: language === 'typescript' });
  return null;
}

export interface LintResult {
  file: MigrationFile | null;
  findings: Finding[];
}

/**
 * Parses and lints one file's text. Never throws for bad input; throws SqlParserPending when
 * `parsers.sql` is a deferred parser that the file needs before it has loaded. `sqlOptions` says how a SQL file
 * runs (`runner`, Flyway's `sidecarConfig`); `context.settings.sqlRunner` is the project's
 * runner for files that do not name one themselves.
 */
export function lintSource(
  path: string,
  source: string,
  language: MigrationLanguage,
  context: LintContext,
  parsers: Parsers,
  sqlOptions?: SqlParseOptions,
): LintResult {
  if (source.length > context.settings.maxFileBytes) {
    return {
      file: null,
      findings: [
        {
          ruleId: FILE_SKIPPED,
          severity: 'info',
          message: `PG Index Guard skipped this file: it is larger than ${context.settings.maxFileBytes} characters (setting pgIndexGuard.maxFileSize).`,
          range: { start: 0, end: 0 },
          fixes: [],
        },
      ],
    };
  }
  let file: MigrationFile | null;
  try {
    file = parseMigration(path, source, language, parsers, withSettings(sqlOptions, context));
  } catch (error) {
    if (missedDeferredParse(parsers.sql)) throw new SqlParserPending();
    const message =
      error instanceof RubyNestingTooDeep || error instanceof GrammarNotLoaded
        ? `PG Index Guard could not read this file: ${error.message}. Nothing in it was linted.`
        : `PG Index Guard could not read this file (${errorText(error)}). Nothing in it was linted. Please report this with the file attached.`;
    return { file: null, findings: [internalError(message)] };
  }
  if (missedDeferredParse(parsers.sql)) throw new SqlParserPending();
  if (!file) return { file: null, findings: [] };
  return { file, findings: lint(file, context) };
}

/** The rules in id order, as an array: lint() runs them for every file. */
const RULE_LIST: readonly Rule[] = [...RULES.values()];

/** Runs every enabled rule over a parsed migration, then applies settings and suppressions. */
export function lint(file: MigrationFile, context: LintContext): Finding[] {
  const findings: Finding[] = [];
  const problem = file.problems[0];
  if (problem) {
    findings.push({
      ruleId: SYNTAX_ERROR,
      severity: 'error',
      message: `Syntax error: ${problem.message}. Findings below this point may be incomplete.`,
      range: problem.range,
      fixes: [],
    });
  }
  if (!file.isMigration) return findings;

  // Few files have suppression comments: nothing to work out for the others.
  const suppressions = file.suppressions.length > 0 ? readSuppressions(file) : null;
  const overrides = context.settings.rules;
  // Usually none: then no lookup per rule.
  const anyOverride = hasKeys(overrides);
  // Indexed loops: this runs cold, interpreted, where for-of allocates per step.
  for (let r = 0; r < RULE_LIST.length; r++) {
    const rule = RULE_LIST[r]!;
    const id = rule.meta.id;
    const setting = anyOverride ? (overrides[id] ?? 'default') : 'default';
    if (setting === 'off') continue;
    if (suppressions && (suppressions.allInFile || suppressions.inFile.has(id))) continue;
    let ruleFindings: Finding[];
    try {
      ruleFindings = rule.check(file, context);
    } catch (error) {
      findings.push(internalError(`Rule ${id} failed on this file (${errorText(error)}); the other rules still ran. Please report this with the file attached.`));
      continue;
    }
    const honorsSafetyAssured = rule.meta.honorsSafetyAssured;
    for (let f = 0; f < ruleFindings.length; f++) {
      const finding = ruleFindings[f]!;
      if (honorsSafetyAssured && finding.operation?.safetyAssured) continue;
      if (suppressions && suppressions.onLine.size > 0) {
        const onLine = suppressions.onLine.get(positionAt(suppressions.starts, finding.range.start).line);
        if (onLine === 'all' || onLine?.has(id)) continue;
      }
      // The rule made this finding for this call alone: setting its severity changes nothing else.
      if (setting !== 'default') finding.severity = setting;
      findings.push(finding);
    }
  }
  return sortFindings(findings);
}

function hasKeys(object: object): boolean {
  for (const _ in object) return true;
  return false;
}

interface Suppressions {
  allInFile: boolean;
  inFile: Set<string>;
  /** Rules silenced on a line (0-based), or all of them. */
  onLine: Map<number, Set<string> | 'all'>;
  starts: number[];
}

function readSuppressions(file: MigrationFile): Suppressions {
  const starts = lineStarts(file.source);
  const result: Suppressions = { allInFile: false, inFile: new Set(), onLine: new Map(), starts };
  for (const s of file.suppressions) {
    if (s.scope === 'file') {
      if (s.ruleIds.length === 0) result.allInFile = true;
      for (const id of s.ruleIds) result.inFile.add(id);
      continue;
    }
    const target = nextCodeLine(file.source, starts, s.line);
    const current = result.onLine.get(target);
    if (s.ruleIds.length === 0 || current === 'all') result.onLine.set(target, 'all');
    else result.onLine.set(target, new Set([...(current ?? []), ...s.ruleIds]));
  }
  return result;
}

/**
 * By position, then rule id. A file has a handful of findings, mostly in order already: an
 * insertion sort (stable, like Array.prototype.sort, so the order is the same) does without
 * the comparator calls and the builtin's setup.
 */
function sortFindings(findings: Finding[]): Finding[] {
  if (findings.length > 16) return findings.sort(compareFindings);
  for (let i = 1; i < findings.length; i++) {
    const finding = findings[i]!;
    let j = i - 1;
    while (j >= 0 && compareFindings(findings[j]!, finding) > 0) {
      findings[j + 1] = findings[j]!;
      j--;
    }
    findings[j + 1] = finding;
  }
  return findings;
}

function compareFindings(a: Finding, b: Finding): number {
  return a.range.start - b.range.start || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0);
}

function withSettings(options: SqlParseOptions | undefined, context: LintContext): SqlParseOptions | undefined {
  const setting = context.settings.sqlRunner;
  if (!setting || options?.defaultRunner !== undefined) return options;
  return { ...options, defaultRunner: setting };
}

function internalError(message: string): Finding {
  return {
    ruleId: INTERNAL_ERROR,
    severity: 'error',
    message,
    range: { start: 0, end: 0 },
    fixes: [],
  };
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The line a `disable-next-line` comment applies to: the next line that is not blank or a comment. */
function nextCodeLine(source: string, starts: number[], commentLine: number): number {
  for (let line = commentLine + 1; line < starts.length; line++) {
    const text = source.slice(starts[line]!, starts[line + 1] ?? source.length).trim();
    if (text !== '' && !text.startsWith('#') && !text.startsWith('--') && !text.startsWith('//')) return line;
  }
  return commentLine + 1;
}
