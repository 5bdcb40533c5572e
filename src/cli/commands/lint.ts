import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadParsers, loadParsersDeferred, type MigrationLanguage } from '../../core/lint';
import { defaultContext, type LintSettings, type SchemaInfo } from '../../core/lint-context';
import { SEVERITIES, type Severity } from '../../core/rules/rule';
import { lintSettingSpecs, SETTINGS_SCHEMA_PATH } from '../../core/settings-schema';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type Command } from '../command';
import { CONFIG_FILE_NAME, loadConfig, loadProjectSchema } from '../config';
import { UsageError, useColor, type CliIO } from '../io';
import { collectTargets, type LintTarget } from '../lint/files';
import { fixFiles } from '../lint/fix-files';
import { FORMATS, outputFormat, type FormatName, type FormatOptions, type OutputFormat } from '../lint/formats/format';
import { reaches } from '../lint/report';
import { HelperPool, lintTargetsInParallel, threadCountFor } from '../lint/parallel';
import { lintTargets, type LintRun } from '../lint/run';
import { PACKAGE_NAME, VERSION } from '../version';

/** Every key of the settings file with its default, wrapped under --config. */
function settingsFileExample(): string {
  const indent = ' '.repeat(39);
  const entries = lintSettingSpecs().map(([name, spec]) => `${JSON.stringify(name)}: ${JSON.stringify(spec.default)}`);
  const lines: string[] = [];
  let line = '{ ';
  entries.forEach((entry, i) => {
    const piece = entry + (i === entries.length - 1 ? ' }' : ', ');
    if (line.trim().length > 2 && line.length + piece.length > 60) {
      lines.push(indent + line.trimEnd());
      line = '  ';
    }
    line += piece;
  });
  lines.push(indent + line);
  return lines.join('\n');
}

const HELP = `Usage: pg-index-guard lint <files or folders...> [options]

Lints Rails migrations (.rb) and SQL migrations (.sql) for unsafe Postgres index operations.
Folders are searched for migration files: Ruby files that define an ActiveRecord migration,
and SQL files (but not structure.sql, a schema dump). node_modules and dot folders (.git, ...)
are skipped. Files named on the command line are always linted.

Options:
  --format <text|json|sarif|github|gitlab>  Output format (default: text)
                                       text    path:line:column  severity  message  rule-id
                                       json    {"findings": [...], "summary": {...}}
                                       sarif   SARIF 2.1.0, for GitHub code scanning
                                       github  GitHub Actions annotations
                                       gitlab  GitLab Code Quality report (artifacts:reports:codequality)
  --config <file>                    JSON settings file (default: ${CONFIG_FILE_NAME} in the
                                     current directory, when there is one), with the defaults:
${settingsFileExample()}
                                     ("rules": rule id -> off, default, error, warning, info, hint.)
                                     The keys are the editor's pgIndexGuard.* settings, and the editor
                                     reads this file too: both give the same findings, same severities.
                                     Schema: ${SETTINGS_SCHEMA_PATH} of the package.
  --fail-on <error|warning|info|hint>  Lowest severity that fails the run (default: error)
  --fix                              Apply the safe fixes first, as fix-all on save does in the
                                     editor (CONCURRENTLY outside a transaction, IF NOT EXISTS /
                                     if_not_exists...), writing the files; then report what is left.
                                     A file that does not parse is left as it is, and so are
                                     one that is not valid UTF-8 and one changed meanwhile.
  --unsafe-fixes                     With --fix, also write the unsafe fixes (ruff's convention):
                                     "Make this migration production-safe" (disable_ddl_transaction! /
                                     the runner's no-transaction marker, CONCURRENTLY, IF NOT EXISTS,
                                     the timeouts) and the other unsafe fixes that create no files.
                                     Without it, the text output says how many there are.
  -h, --help                         Show this help

Exit codes: 0 no finding at or above --fail-on, 1 some finding at or above it
(syntax errors count as errors), 2 usage or configuration error, or a file could not be read
(or, with --fix, written), or could not be linted (an internal-error finding: a parser failure,
or a file nested too deeply to parse).

Environment: NO_COLOR / FORCE_COLOR (text colors), PG_INDEX_GUARD_THREADS (lint threads;
1 lints in the main thread; default: from the number of CPUs and files), PG_INDEX_GUARD_CACHE_DIR
(Node 22+: where V8's compiled code of the CLI is kept; empty: nowhere; default: the user's
cache folder).
`;

export const lintCommand: Command = {
  name: 'lint',
  summary: 'Lint migration files and folders for unsafe index operations',
  help: HELP,
  async run(args: string[], io: CliIO): Promise<number> {
    const options = parseLintArgs(args);
    if (options.help) {
      io.stdout(HELP);
      return EXIT_OK;
    }
    // A helper thread loads while the folders are walked (lint/parallel.ts); --fix lints in this one.
    const pool = HelperPool.prestart(!options.fix && options.paths.some((path) => isFolder(resolve(io.cwd, path))), threadLimit(io));
    try {
      const { settings } = loadConfig(options.config, io.cwd);
      const schema = await loadProjectSchema(io.cwd);
      const { targets, ignored, unreadable: unreadableFolders } = collectTargets(options.paths, io.cwd);
      for (const path of ignored) io.stderr(`${path}: not a migration file (.rb, .sql, .py, .ts, .js), skipped\n`);

      const formatOptions: FormatOptions = {
        format: options.format,
        color: useColor(io),
        tool: { name: PACKAGE_NAME, version: VERSION },
        cwd: io.cwd,
      };
      const format = outputFormat(formatOptions);
      const unwritable = options.fix ? await fix(targets, settings, schema, io, options.unsafeFixes) : [];
      const { report, unreadable } = await lint(targets, settings, schema, io, pool, formatOptions, format, options.fix);

      for (const piece of format.document(report.findings, report.summary)) io.stdout(piece);
      const problems = [...unreadableFolders.map((u) => `${u.path}: ${u.reason}`), ...unreadable];
      for (const problem of problems) io.stderr(`Cannot read ${problem}\n`);
      problems.push(...unwritable);
      const unlinted = report.summary.unlinted;
      if (unlinted > 0) io.stderr(`${unlinted === 1 ? '1 file was' : `${unlinted} files were`} not linted: PG Index Guard could not read ${unlinted === 1 ? 'it' : 'them'} (internal-error findings above)\n`);
      if (problems.length > 0 || unlinted > 0) return EXIT_USAGE;
      const failing = SEVERITIES.some((severity) => report.summary.bySeverity[severity] > 0 && reaches(severity, options.failOn));
      return failing ? EXIT_FINDINGS : EXIT_OK;
    } finally {
      pool.release();
    }
  },
};

/**
 * --fix: writes the fixes and says on stderr what it did (stdout keeps the report alone).
 * Returns the files that could not be written.
 */
async function fix(targets: LintTarget[], settings: LintSettings, schema: SchemaInfo | undefined, io: CliIO, unsafe: boolean): Promise<string[]> {
  const context = defaultContext();
  context.settings = settings;
  if (schema) context.schema = schema;
  const { fixed, notFixed, unwritable } = fixFiles(targets, context, await loadParsers(languagesOf(targets)), {}, { unsafe });
  for (const { path, fixes } of fixed) io.stderr(`Fixed ${path} (${fixes === 1 ? '1 fix' : `${fixes} fixes`})\n`);
  for (const problem of notFixed) io.stderr(`Not fixed ${problem}\n`);
  for (const problem of unwritable) io.stderr(`Cannot write ${problem}\n`);
  return unwritable;
}

async function lint(
  targets: LintTarget[],
  settings: LintSettings,
  schema: SchemaInfo | undefined,
  io: CliIO,
  pool: HelperPool,
  formatOptions: FormatOptions,
  format: OutputFormat,
  oneThread: boolean,
): Promise<LintRun> {
  const context = defaultContext();
  context.settings = settings;
  if (schema) context.schema = schema;
  const languages = languagesOf(targets);
  const threads = oneThread ? 1 : threadCountFor(targets.length, threadLimit(io));
  const parsers = loadParsersDeferred(languages);
  if (threads > 1) {
    return lintTargetsInParallel(targets, context, parsers, threads, pool, format, { format: formatOptions, languages });
  }
  pool.release();
  return lintTargets(targets, context, await parsers, format);
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // collectTargets reports it
  }
}

/** The languages among the files: a run over SQL migrations alone never compiles Prism. */
function languagesOf(targets: readonly LintTarget[]): MigrationLanguage[] {
  const languages = new Set<MigrationLanguage>();
  for (const target of targets) languages.add(target.language);
  return [...languages];
}

/** PG_INDEX_GUARD_THREADS caps the lint threads (1: lint in the main thread only). */
function threadLimit(io: CliIO): number | undefined {
  const value = Number(io.env['PG_INDEX_GUARD_THREADS']);
  return Number.isInteger(value) && value >= 1 ? value : undefined;
}

interface LintOptions {
  paths: string[];
  format: FormatName;
  config: string | undefined;
  failOn: Severity;
  fix: boolean;
  unsafeFixes: boolean;
  help: boolean;
}

function parseLintArgs(args: string[]): LintOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string' },
        config: { type: 'string' },
        'fail-on': { type: 'string' },
        fix: { type: 'boolean' },
        'unsafe-fixes': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\nRun "pg-index-guard lint --help" for usage.`);
  }
  const { values, positionals } = parsed;
  const help = values.help === true;
  const format = values.format ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`Unknown --format "${format}". Use one of: ${FORMATS.join(', ')}.`);
  }
  const failOn = values['fail-on'] ?? 'error';
  if (!(SEVERITIES as readonly string[]).includes(failOn)) {
    throw new UsageError(`Unknown --fail-on "${failOn}". Use one of: ${SEVERITIES.join(', ')}.`);
  }
  if (values['unsafe-fixes'] === true && values.fix !== true && !help) {
    throw new UsageError('--unsafe-fixes only goes with --fix: pg-index-guard lint --fix --unsafe-fixes <files or folders>');
  }
  if (positionals.length === 0 && !help) {
    throw new UsageError('No files or folders to lint. Example: pg-index-guard lint db/migrate\nRun "pg-index-guard lint --help" for usage.');
  }
  return { paths: positionals, format: format as FormatName, config: values.config, failOn: failOn as Severity, fix: values.fix === true, unsafeFixes: values['unsafe-fixes'] === true, help };
}

