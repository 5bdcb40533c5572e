import { loadParsers, lintSource } from '../../core/lint';
import { defaultContext, type DatabaseFacts, type LintContext } from '../../core/lint-context';
import { forwardSlashes } from '../../core/paths';
import { impactJson, impactText, summaryLine, type ImpactJson } from '../../core/locks/describe';
import { explainMigration, summarizeByTable, type OperationImpact } from '../../core/locks/explain';
import { BuildHistoryFile, defaultHistoryPath, serverKey } from '../../db/build-history';
import type { BuildHistory } from '../../core/locks/estimates';
import { collectDatabaseFacts } from '../../db/status';
import { EXIT_OK, EXIT_USAGE, type Command } from '../command';
import { loadConfig, errorMessage } from '../config';
import { UsageError, type CliIO } from '../io';
import { collectTargets, type LintTarget } from '../lint/files';
import { readTarget } from '../lint/run';
import { CONNECTION_HELP, CONNECTION_OPTIONS, openSession, parseOrUsage, resolveTargetForCli } from './status';

const HELP = `Usage: pg-index-guard explain <files or folders...> [--format text|json] [connection options]

Shows what each index operation of the migrations will do to production before it runs: the
lock it takes on the table and on the index, what that blocks (reads, writes, other DDL,
autovacuum) and for how long (the whole build, a moment, until commit). Connected to a database,
also the table's row estimate and size, the indexes it already has on the same columns, and the
estimated index size and build time. Good for a pull request comment.

The database is used when --database-url or --env is given, or DATABASE_URL is set; otherwise
only the lock facts are shown. The session is read-only.

Options:
  --format <text|json>  Output format (default: text). json:
                          {"operations": [{"file", "line", "table", "index", "statement", "lock",
                            "indexLock", "blocks": [...], "duration", "inTransaction", "rows",
                            "tableBytes", "estimatedIndexBytes", "estimatedSeconds", ...}]}
                          (null where unknown)
  --config <file>       JSON settings file (as for lint)
  -h, --help

${CONNECTION_HELP}

Build times: from the table's size and the rate of the builds measured on this server
(recorded by create-pending and monitor, and by the extension), else a conservative default
rate, which the text says. The CLI keeps its measurements in PG_INDEX_GUARD_BUILD_HISTORY, else
$XDG_STATE_HOME/pg-index-guard/build-history.json (~/.local/state when XDG_STATE_HOME is unset).

Exit codes: 0 shown, 2 usage, configuration or connection error, or a file could not be read.
`;

const FORMATS = ['text', 'json'] as const;

export const explainCommand: Command = {
  name: 'explain',
  summary: 'Show the locks, blocking and estimated build time of each index operation',
  help: HELP,
  async run(args: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseOrUsage(
      {
        args,
        strict: true,
        allowPositionals: true,
        options: { ...CONNECTION_OPTIONS, format: { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      },
      'explain',
    );
    if (values.help) {
      io.stdout(HELP);
      return EXIT_OK;
    }
    const format = values.format ?? 'text';
    if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got "${format}").`);
    if (positionals.length === 0) throw new UsageError('name the migration files or folders to explain.\nRun "pg-index-guard explain --help" for usage.');

    const { settings } = loadConfig(values.config, io.cwd);
    const { targets, ignored, unreadable: unreadableFolders } = collectTargets(positionals, io.cwd);
    for (const path of ignored) io.stderr(`${path}: not a .rb or .sql file, skipped\n`);
    const wantsDatabase = values['database-url'] !== undefined || values.env !== undefined || Boolean(io.env['DATABASE_URL']);
    const database = wantsDatabase ? await readFacts(values, io, settings.largeTableRowThreshold) : undefined;

    const context: LintContext = { ...defaultContext(), settings };
    if (database) context.database = database.facts;
    const parsers = await loadParsers();
    const explained: Array<{ target: LintTarget; impacts: OperationImpact[] }> = [];
    const unreadable = unreadableFolders.map((u) => `${u.path}: ${u.reason}`);
    for (const target of targets) {
      try {
        const text = readTarget(target, context);
        if (typeof text !== 'string') {
          if (text !== null) io.stderr(`${target.path}: ${text.message}\n`);
          continue;
        }
        const file = lintSource(target.path, text, target.language, context, parsers).file;
        if (!file || (!target.explicit && !file.isMigration)) continue;
        if (file.problems.length > 0) io.stderr(`${target.path}: could not be read completely (${file.problems[0]!.message}); explaining what could be\n`);
        explained.push({ target, impacts: explainMigration(file, { database: context.database, history: database?.history ?? null }) });
      } catch (error) {
        unreadable.push(`${target.path}: ${errorMessage(error)}`);
      }
    }
    for (const problem of unreadable) io.stderr(`${problem}\n`);

    if (format === 'json') {
      const operations: ImpactJson[] = explained.flatMap(({ target, impacts }) => impacts.map((impact) => impactJson(impact, forwardSlashes(target.path))));
      io.stdout(`${JSON.stringify({ operations, database: database ? database.description : null }, null, 2)}\n`);
    } else {
      io.stdout(textReport(explained, database?.description ?? null));
    }
    return unreadable.length > 0 ? EXIT_USAGE : EXIT_OK;
  },
};

async function readFacts(
  values: { 'database-url'?: string | undefined; env?: string | undefined },
  io: CliIO,
  largeTableRows: number,
): Promise<{ facts: DatabaseFacts; description: string; history: BuildHistory }> {
  const target = resolveTargetForCli(values, io);
  const session = await openSession(target);
  try {
    const history = new BuildHistoryFile(defaultHistoryPath(io.env)).read(serverKey(target.candidate.config));
    return { facts: await collectDatabaseFacts(session, largeTableRows), description: target.description, history };
  } finally {
    await session.close();
  }
}

function textReport(explained: Array<{ target: LintTarget; impacts: OperationImpact[] }>, database: string | null): string {
  const blocks: string[] = [];
  let operations = 0;
  for (const { target, impacts } of explained) {
    if (impacts.length === 0) continue;
    operations += impacts.length;
    const lines = impacts.map((impact) => impactText(impact, target.path));
    lines.push(...summarizeByTable(impacts).map((summary) => `${target.path}  summary: ${summaryLine(summary)}`));
    blocks.push(lines.join('\n'));
  }
  const files = explained.length;
  const tail = `${operations === 0 ? 'No index operations' : `${operations} index operation${operations === 1 ? '' : 's'}`} in ${files} file${files === 1 ? '' : 's'}; ${
    database === null ? 'no database: lock facts only (give --database-url for table sizes and estimates).' : `database: ${database}.`
  }`;
  return `${[...blocks, tail].join('\n\n')}\n`;
}
