import type { DatabaseFacts } from '../core/lint-context';
import type { BuildHistory } from '../core/locks/estimates';
import { BuildHistoryFile, defaultHistoryPath, serverKey } from '../db/build-history';
import { resolveDatabaseTarget } from '../db/builder/target';
import { MonitorSession } from '../db/session';
import { collectDatabaseFacts } from '../db/status';

/** The server's sessions say who they are in pg_stat_activity. */
export const LSP_APPLICATION_NAME = 'pg-index-guard lsp';

/** How often the statistics are read again while a database is configured. */
const REFRESH_MS = 5 * 60_000;

/**
 * The statistics of the one database the editor named (`databaseUrl`), read in a read-only
 * session that is closed again at once: row estimates, column statistics, the indexes that exist.
 * A failure is said once and linting goes on without them.
 */
export class DatabaseFactsSource {
  private url: string | null = null;
  private facts: DatabaseFacts | undefined;
  /** The builds the CLI measured on this server (create-pending, monitor): the hover's build-time estimate. */
  private measured: BuildHistory | null = null;
  private loading: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly onChange: () => void,
    private readonly warn: (message: string) => void,
  ) {}

  /** The facts of `url` when read already; asks for them otherwise (onChange fires once they are in). */
  factsFor(url: string | null, root: string | null, largeTableRows: number): DatabaseFacts | undefined {
    if (url !== this.url) {
      this.url = url;
      this.facts = undefined;
      this.measured = null;
      clearInterval(this.timer);
      this.timer = undefined;
      if (url !== null) {
        this.load(url, root, largeTableRows);
        this.timer = setInterval(() => this.load(url, root, largeTableRows), REFRESH_MS);
        this.timer.unref();
      }
    }
    return this.facts;
  }

  /** The build history of the database last read; null before that. */
  get history(): BuildHistory | null {
    return this.measured;
  }

  /** Resolves once the read under way (if any) is done: tests and the first lint wait on it. */
  async settled(): Promise<void> {
    await this.loading;
  }

  private load(url: string, root: string | null, largeTableRows: number): void {
    const reading = (async () => {
      const target = resolveDatabaseTarget({ workspaceRoot: root ?? process.cwd(), env: process.env, databaseUrl: url, applicationName: LSP_APPLICATION_NAME });
      const session = new MonitorSession({ target: target.configs, reconnect: false, applicationName: LSP_APPLICATION_NAME, statementTimeoutMs: 30_000 });
      try {
        const outcome = await session.connect();
        if (!outcome.ok) throw new Error(`${outcome.error.title} ${outcome.error.advice}`);
        const facts = await collectDatabaseFacts(session, largeTableRows);
        return { facts, history: new BuildHistoryFile(defaultHistoryPath(process.env)).read(serverKey(target.candidate.config)) };
      } finally {
        await session.close();
      }
    })();
    this.loading = reading.then(
      ({ facts, history }) => {
        if (this.url !== url) return;
        this.facts = facts;
        this.measured = history;
        this.onChange();
      },
      (error: unknown) => {
        if (this.url !== url) return;
        this.warn(`PG Index Guard could not read the database of "databaseUrl" (${redacted(url)}): ${error instanceof Error ? error.message : String(error)} Linting goes on without its statistics.`);
      },
    );
  }

  dispose(): void {
    clearInterval(this.timer);
  }
}

/** The URL without its password, for messages. */
function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'not a valid URL';
  }
}
