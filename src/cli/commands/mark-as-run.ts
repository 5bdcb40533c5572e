import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { loadParsers } from '../../core/lint';
import { isMigrationVersion, markMigrationAsRun, MarkAsRunError } from '../../db/builder/mark-as-run';
import { DbError } from '../../db/errors';
import { coreIndexOperationParser, listMigrationFiles } from '../../db/status';
import { SHORT_QUERY_DEADLINE_MS } from '../../db/timeouts';
import { withWriteConnection } from '../../db/write-connection';
import { EXIT_OK, EXIT_USAGE, type Command } from '../command';
import { UsageError, type CliIO } from '../io';
import { cliProblem, CONNECTION_HELP, CONNECTION_OPTIONS, parseOrUsage, resolveTargetForCli } from './status';

/**
 * What a command needs to ask a question. Not part of CliIO yet: without these, the process's
 * own stdin is used.
 */
export interface PromptIO {
  stdinIsTTY?: boolean;
  prompt?(question: string): Promise<string>;
}

const HELP = `Usage: pg-index-guard mark-as-run <version> [--yes] [connection options]

Records a migration in schema_migrations without running it ("mark as run, build later"):
its indexes then show as missing (when db/schema.rb or db/structure.sql declares them) and
pg-index-guard create-pending builds them safely, in a quiet hour. Nothing else the migration
does is run: only use this for a migration that does nothing but build indexes, or do the rest
by hand.

  <version>   the digits at the start of the migration's file name (20240301000000)

Options:
  --yes       Do not ask for confirmation (required when stdin is not a terminal)
  -h, --help

${CONNECTION_HELP}

Exit codes: 0 marked (or already marked), 2 usage, configuration or connection error,
no such migration, no schema_migrations table, or not confirmed.
`;

export const markAsRunCommand: Command = {
  name: 'mark-as-run',
  summary: 'Record a migration as run without running it, to build its indexes later',
  help: HELP,
  async run(args: string[], io: CliIO & PromptIO): Promise<number> {
    const { values, positionals } = parseOrUsage(
      { args, strict: true, allowPositionals: true, options: { ...CONNECTION_OPTIONS, yes: { type: 'boolean', short: 'y' }, help: { type: 'boolean', short: 'h' } } },
      'mark-as-run',
    );
    if (values.help) {
      io.stdout(HELP);
      return EXIT_OK;
    }
    if (positionals.length !== 1) throw new UsageError('Give exactly one migration version. Example: pg-index-guard mark-as-run 20240301000000');
    const version = positionals[0]!;
    if (!isMigrationVersion(version)) throw new UsageError(`"${version}" is not a migration version (the digits at the start of the migration's file name).`);

    const target = resolveTargetForCli(values, io);
    const migration = listMigrationFiles(io.cwd, target.migrationsPaths).find((m) => m.version === version);
    if (!migration) {
      throw new UsageError(`No migration with version ${version} under ${target.migrationsPaths.join(', ')} in ${io.cwd}. Run this in the app's root directory.`);
    }
    const parse = coreIndexOperationParser(await loadParsers());
    const operations = parse(migration.path, await readFile(migration.path, 'utf8'));
    io.stdout(`Migration ${migration.version} ${migration.name} (${migration.relativePath})\n`);
    for (const op of operations) {
      io.stdout(`  line ${op.line}: ${op.statement}${op.name ? ` ${op.name}` : ''}${op.table ? ` on ${op.table}` : ''}${op.columns.length ? ` (${op.columns.join(', ')})` : ''}\n`);
    }
    io.stdout(`Database: ${target.description}\n`);

    if (!values.yes) {
      const isTTY = io.stdinIsTTY ?? process.stdin.isTTY === true;
      if (!isTTY) {
        io.stderr('pg-index-guard mark-as-run: stdin is not a terminal: pass --yes to mark the migration as run without asking.\n');
        return EXIT_USAGE;
      }
      const answer = await (io.prompt ?? askOnStdin)(`Mark ${version} as run? The migration will not run; its indexes must be built afterwards. [y/N] `);
      if (!/^y(es)?$/i.test(answer.trim())) {
        io.stderr('Not confirmed; nothing was changed.\n');
        return EXIT_USAGE;
      }
    }

    try {
      const result = await withWriteConnection(target.configs, (client) => markMigrationAsRun(client, version), { queryTimeoutMs: SHORT_QUERY_DEADLINE_MS });
      io.stdout(result.inserted ? `Marked ${version} as run.\n` : `${version} was already marked as run; nothing changed.\n`);
    } catch (error) {
      if (error instanceof MarkAsRunError) throw new UsageError(error.message);
      if (error instanceof DbError) {
        const cause = error.cause;
        if (cause instanceof MarkAsRunError) throw new UsageError(cause.message);
        throw new UsageError(cliProblem(error.description, target));
      }
      throw error;
    }
    const names = operations.filter((op) => op.kind === 'createIndex' && op.name).map((op) => op.name);
    io.stdout(
      `Build its indexes with: pg-index-guard create-pending${names.length ? ` ${names.map((n) => `--only ${shellWord(n!)}`).join(' ')}` : ''}\n`,
    );
    return EXIT_OK;
  },
};

async function askOnStdin(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

function shellWord(text: string): string {
  return /^[A-Za-z0-9_.-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
