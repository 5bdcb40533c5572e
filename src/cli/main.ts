import './silence-wasi-warning';
import { isMainThread } from 'node:worker_threads';
import type { Command } from './command';
import { EXIT_OK, EXIT_USAGE } from './command';
import { checkMissingCommand } from './commands/check-missing';
import { createPendingCommand } from './commands/create-pending';
import { explainCommand } from './commands/explain';
import { lintCommand } from './commands/lint';
import { lspCommand } from './commands/lsp';
import { markAsRunCommand } from './commands/mark-as-run';
import { monitorCommand } from './commands/monitor';
import { statusCommand } from './commands/status';
import { traceCommand } from './commands/trace';
import { UsageError, processIO, type CliIO } from './io';
import { VERSION } from './version';

/** Every subcommand, by name. Adding one: a module in commands/ exporting a Command, a line here. */
export const COMMANDS: ReadonlyMap<string, Command> = new Map([lintCommand, explainCommand, traceCommand, statusCommand, checkMissingCommand, monitorCommand, createPendingCommand, markAsRunCommand, lspCommand].map((command) => [command.name, command]));

function usage(): string {
  const width = Math.max(...[...COMMANDS.keys()].map((name) => name.length));
  const commands = [...COMMANDS.values()].map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `Usage: pg-index-guard <command> [options]

Keeps unsafe Postgres index migrations out of production.

Commands:
${commands}

Options:
  -h, --help     Show this help (pg-index-guard <command> --help for a command's options)
  -v, --version  Show the version
`;
}

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    const topic = first === 'help' && rest[0] !== undefined ? COMMANDS.get(rest[0]) : undefined;
    if (first === undefined) {
      io.stderr(usage());
      return EXIT_USAGE;
    }
    io.stdout(topic ? topic.help : usage());
    return EXIT_OK;
  }
  if (first === '-v' || first === '--version') {
    io.stdout(`${VERSION}\n`);
    return EXIT_OK;
  }
  const command = COMMANDS.get(first);
  if (!command) {
    io.stderr(`Unknown command "${first}". Commands: ${[...COMMANDS.keys()].join(', ')}.\nRun "pg-index-guard --help" for usage.\n`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`pg-index-guard ${command.name}: ${error.message}\n`);
      return EXIT_USAGE;
    }
    // A bug or a broken installation (a missing WASM file): the stack is what a bug report needs.
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr(`pg-index-guard ${command.name}: internal error: ${message}\n`);
    return EXIT_USAGE;
  }
}

/** Runs this process's command line and exits with its code (dist/cli.js calls it). */
export function main(): void {
  // `pg-index-guard lint . | head`: a closed pipe ends the run quietly, as for other CLIs.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  void runCli(process.argv.slice(2), processIO()).then((code) => {
    process.exitCode = code;
    // Let stdout drain (a pipe to a slow reader) before leaving.
    process.stdout.write('', () => process.exit(code));
  });
}

// Run as a script of its own (`node dist/cli-main.js`, or a bundle of main.ts alone); not in a
// worker thread: lint helpers load this same bundle (see lint/parallel.ts).
if (require.main === module && isMainThread) main();
