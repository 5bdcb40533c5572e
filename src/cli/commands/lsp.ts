import { createConnection } from 'vscode-languageserver/node';
import { startServer } from '../../lsp/server';
import { EXIT_OK, type Command } from '../command';
import { UsageError, type CliIO } from '../io';

const HELP = `Usage: pg-index-guard lsp --stdio

Runs the language server (Language Server Protocol over stdin/stdout) for editors other than
VS Code: Neovim, Helix, Zed, Sublime Text, JetBrains IDEs. It lints Rails (.rb) and SQL (.sql)
migrations as you type, offers the fixes and the disable comments as code actions (and
source.fixAll.pgIndexGuard), and shows the rule and the locks an index operation takes on hover.

Settings: the project's .pg-index-guard.json (as for lint), else what the editor sends as
initializationOptions or under the "pgIndexGuard" section of workspace/configuration, with
the VS Code settings' names ("rules", "largeTables", "lintDelay", ...). "databaseUrl": a
database whose statistics sharpen the findings (read-only session).

Options:
  --stdio  Talk LSP over stdin and stdout (the only transport)
  -h, --help
`;

export const lspCommand: Command = {
  name: 'lsp',
  summary: 'Run the language server for other editors (--stdio)',
  help: HELP,
  async run(args: string[], io: CliIO): Promise<number> {
    if (args.includes('-h') || args.includes('--help')) {
      io.stdout(HELP);
      return EXIT_OK;
    }
    // Clients add --clientProcessId=<pid> (vscode-languageclient does); the server library reads it.
    const unknown = args.filter((arg) => arg !== '--stdio' && !/^--clientProcessId(=\d+)?$/.test(arg) && !/^\d+$/.test(arg));
    if (unknown.length > 0) throw new UsageError(`unknown option ${unknown[0]}. Run "pg-index-guard lsp --help" for usage.`);
    if (!args.includes('--stdio')) throw new UsageError('give --stdio: the server talks LSP over stdin and stdout.');
    // Without streams given, the library reads --stdio from the command line and sends whatever
    // console.log prints to the editor's log: stdout carries the protocol alone.
    startServer(createConnection());
    // The connection ends the process itself (exit notification, or the editor closing stdin).
    return new Promise<number>(() => undefined);
  },
};
