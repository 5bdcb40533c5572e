import type { CliIO } from './io';

/** A `pg-index-guard <name>` subcommand. Registered in the table in main.ts. */
export interface Command {
  name: string;
  /** One line for `pg-index-guard --help`. */
  summary: string;
  /** The full `pg-index-guard <name> --help` text. */
  help: string;
  /** Returns the process exit code. Throws UsageError for mistakes the user made (exit 2). */
  run(args: string[], io: CliIO): Promise<number>;
}

/** Exit codes shared by every command. */
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;
