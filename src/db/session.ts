// A read-only monitoring session: one pg client that only runs named queries, reconnects with
// backoff when the server goes away, and reports its state as events. Nothing it does rejects
// unhandled: connection failures become state events, query failures become DbErrors for the
// caller that awaited them.

import pg from 'pg';
import type { ClientConfig } from 'pg';
import { DbError, describeConnectionError, type ErrorContext, type ErrorDescription } from './errors';
import { QUERIES, type NamedQuery, type QueryName, type QueryParams, type QueryRow } from './queries';
import { ANSWER_GRACE_MS, CONNECT_TIMEOUT_MS, endClient, isQueryReadTimeout, noAnswerError } from './timeouts';

export const MONITOR_APPLICATION_NAME = 'pg-index-guard monitor';

export type SessionState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'closed';

export interface SessionStateEvent {
  state: SessionState;
  /** Why the session is disconnected (or why the last attempt failed). */
  reason?: ErrorDescription;
  /** Connection attempts since the last success (1 for the first try). */
  attempt: number;
  /** Set when disconnected and another attempt is scheduled. */
  retryInMs?: number;
}

export type ConnectionTarget = ClientConfig | readonly ClientConfig[] | (() => ClientConfig | readonly ClientConfig[] | Promise<ClientConfig | readonly ClientConfig[]>);

export interface ReconnectPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
}

export interface MonitorSessionOptions {
  /**
   * The configs to try in order (see `clientConfigsFor`), or a function giving them, called
   * before every attempt (so a password can come from a secret store when needed).
   */
  target: ConnectionTarget;
  applicationName?: string;
  /** statement_timeout of the monitor's own queries. */
  statementTimeoutMs?: number;
  /** lock_timeout: a catalog query never queues behind a migration's exclusive lock for long. */
  lockTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** false: never reconnect by itself. */
  reconnect?: Partial<ReconnectPolicy> | false;
  /** Diagnostic lines (no passwords). */
  log?: (line: string) => void;
}

export type ConnectOutcome = { ok: true } | { ok: false; error: ErrorDescription };

const DEFAULT_RECONNECT: ReconnectPolicy = { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2 };

export class MonitorSession {
  private client: pg.Client | null = null;
  private queue: Promise<void> = Promise.resolve();
  private currentState: SessionState = 'idle';
  private listeners = new Set<(event: SessionStateEvent) => void>();
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private connecting: Promise<ConnectOutcome> | null = null;
  private closed = false;
  private lastContext: ErrorContext = {};
  /** Why the last connection ended, until the next one is made: queries meanwhile say so. */
  private lostBecause: ErrorDescription | null = null;
  private connectedVersionNum: number | null = null;
  private readonly reconnectPolicy: ReconnectPolicy | null;
  private readonly options: Required<Pick<MonitorSessionOptions, 'applicationName' | 'statementTimeoutMs' | 'lockTimeoutMs' | 'connectTimeoutMs'>> &
    MonitorSessionOptions;

  constructor(options: MonitorSessionOptions) {
    this.options = {
      applicationName: MONITOR_APPLICATION_NAME,
      statementTimeoutMs: 5_000,
      lockTimeoutMs: 1_000,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      ...options,
    };
    this.reconnectPolicy = options.reconnect === false ? null : { ...DEFAULT_RECONNECT, ...(options.reconnect ?? {}) };
  }

  /** A query unanswered this long after it was sent ends the connection (0: the statement_timeout is off, no bound). */
  private get answerDeadlineMs(): number {
    return this.options.statementTimeoutMs > 0 ? this.options.statementTimeoutMs + ANSWER_GRACE_MS : 0;
  }

  get state(): SessionState {
    return this.currentState;
  }

  /** The connection was lost and is being made again (by itself; not after close()). */
  get reconnecting(): boolean {
    return !this.closed && this.lostBecause !== null && this.reconnectPolicy !== null;
  }

  /**
   * The server's version (server_version_num) of the current connection, read with the session's
   * settings when it connected: it cannot change while connected, so no refresh asks again.
   */
  get serverVersionNum(): number | null {
    return this.client && this.currentState === 'connected' ? this.connectedVersionNum : null;
  }

  /** The server process id of the current connection (pg_stat_activity.pid), or null. */
  get backendPid(): number | null {
    const pid = (this.client as unknown as { processID?: number } | null)?.processID;
    return typeof pid === 'number' ? pid : null;
  }

  /** Subscribes to state changes; returns the function that unsubscribes. */
  onState(listener: (event: SessionStateEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Connects (or waits for the attempt under way). Resolves, never rejects. On a failure the
   * server may recover from (refused, lost, starting up) another attempt is scheduled.
   */
  connect(): Promise<ConnectOutcome> {
    if (this.closed) return Promise.resolve({ ok: false, error: notConnected('The monitoring session was closed.') });
    if (this.currentState === 'connected' && this.client) return Promise.resolve({ ok: true });
    this.connecting ??= this.attemptConnect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /** Resolves true once connected, false after `timeoutMs` or when closed. Starts connecting if idle. */
  waitUntilConnected(timeoutMs: number): Promise<boolean> {
    if (this.currentState === 'connected') return Promise.resolve(true);
    if (this.currentState === 'idle') void this.connect();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        unsubscribe();
        resolve(false);
      }, timeoutMs);
      const unsubscribe = this.onState((event) => {
        if (event.state === 'connected' || event.state === 'closed') {
          clearTimeout(timer);
          unsubscribe();
          resolve(event.state === 'connected');
        }
      });
    });
  }

  /** Runs one of the monitor's named queries. Throws DbError (with a description) on failure. */
  query<K extends QueryName>(name: K, ...params: QueryParams<K>): Promise<QueryRow<K>[]> {
    return this.run(QUERIES[name] as unknown as NamedQuery<readonly unknown[], QueryRow<K>>, params);
  }

  /** Runs a named query that is not in the registry (other db modules define their own). */
  async run<P extends readonly unknown[], R>(namedQuery: NamedQuery<P, R>, params: P): Promise<R[]> {
    const client = this.client;
    if (!client || this.currentState !== 'connected') throw new DbError(this.unavailable());
    // One query at a time: pg queues concurrent calls itself but deprecates that (gone in pg 9).
    const previous = this.queue;
    let release!: () => void;
    this.queue = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      if (this.client !== client) throw new DbError(notConnected('The connection was replaced while the query waited.'));
      const started = Date.now();
      const result = await client.query({ name: namedQuery.name, text: namedQuery.text, values: [...params] });
      // The query's name and timing only: parameters may hold names from the user's schema, never secrets, but stay out anyway.
      this.options.log?.(`query ${namedQuery.name}: ${result.rows.length} rows in ${Date.now() - started} ms`);
      return result.rows.map((row) => namedQuery.mapRow(row as Record<string, unknown>));
    } catch (err) {
      if (err instanceof DbError) throw err;
      if (isQueryReadTimeout(err)) {
        // the server stopped answering (statement_timeout could not fire): this connection is gone
        const reason = describeConnectionError(noAnswerError(this.answerDeadlineMs), this.lastContext);
        this.lost(client, reason);
        throw new DbError(reason, err);
      }
      throw new DbError(describeConnectionError(err, this.lastContext), err);
    } finally {
      release();
    }
  }

  /** Why there is no connection to query: never made yet, lost (and being made again), or closed. */
  private unavailable(): ErrorDescription {
    if (this.closed) return notConnected('The monitoring session was closed.');
    const lost = this.lostBecause;
    if (!lost) return notConnected('Not connected to the database yet.');
    if (!this.reconnectPolicy) return { ...lost, retryable: false };
    return {
      kind: 'not-connected',
      title: 'The connection to the database was lost; reconnecting.',
      advice: 'The monitor carries on by itself once the server answers again.',
      detail: `${lost.title} ${lost.detail}`,
      retryable: true,
    };
  }

  /** Ends the session for good: no more reconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clearRetry();
    const client = this.client;
    this.client = null;
    if (client) await endClient(client);
    this.setState({ state: 'closed', attempt: this.attempt });
  }

  private async attemptConnect(): Promise<ConnectOutcome> {
    this.clearRetry();
    this.attempt++;
    this.setState({ state: 'connecting', attempt: this.attempt });

    let configs: readonly ClientConfig[];
    try {
      const target = typeof this.options.target === 'function' ? await this.options.target() : this.options.target;
      configs = Array.isArray(target) ? target : [target as ClientConfig];
      if (configs.length === 0) throw new Error('no connection configured');
    } catch (err) {
      return this.failed(describeConnectionError(err));
    }

    let lastError: ErrorDescription | null = null;
    for (let i = 0; i < configs.length; i++) {
      if (this.closed) break;
      const config = configs[i]!;
      const context = contextOf(config);
      this.lastContext = context;
      const client = new pg.Client({
        connectionTimeoutMillis: this.options.connectTimeoutMs,
        keepAlive: true,
        ...config,
        // client-side: a backend that stopped answering never reaches its statement_timeout
        ...(this.answerDeadlineMs > 0 ? { query_timeout: this.answerDeadlineMs } : {}),
        application_name: this.options.applicationName,
      });
      // Until the client is ours, errors only reject connect(); afterwards they mean "connection lost".
      let adopted = false;
      client.on('error', (err) => {
        if (adopted) this.lost(client, describeConnectionError(err, context));
      });
      client.on('end', () => {
        if (adopted) this.lost(client, describeConnectionError(new Error('Connection terminated'), context));
      });
      let versionNum: number | null = null;
      try {
        await client.connect();
        // Equivalent to SET ...; parameterized so that no number is ever spliced into SQL text.
        const setup = await client.query<{ server_version_num: number }>({
          name: 'pgig_session_setup_v2',
          text: `SELECT set_config('default_transaction_read_only', 'on', false),
                        set_config('statement_timeout', $1::text, false),
                        set_config('lock_timeout', $2::text, false),
                        set_config('idle_in_transaction_session_timeout', '60000', false),
                        current_setting('server_version_num')::int AS server_version_num`,
          values: [String(Math.max(0, Math.floor(this.options.statementTimeoutMs))), String(Math.max(0, Math.floor(this.options.lockTimeoutMs)))],
        });
        versionNum = Number(setup.rows[0]?.server_version_num) || null;
      } catch (err) {
        await client.end().catch(() => undefined);
        lastError = describeConnectionError(isQueryReadTimeout(err) ? noAnswerError(this.answerDeadlineMs) : err, context);
        this.log(`connect attempt ${this.attempt}.${i + 1} failed: ${lastError.title} ${lastError.detail}`);
        // libpq's sslmode prefer/allow: the next config differs only in SSL, worth trying when SSL was the problem
        const sslRelated = lastError.kind === 'ssl-unsupported' || lastError.kind === 'ssl-required' || lastError.kind === 'hba-rejected';
        if (sslRelated && i + 1 < configs.length) continue;
        break;
      }
      if (this.closed) {
        await client.end().catch(() => undefined);
        break;
      }
      adopted = true;
      this.client = client;
      this.connectedVersionNum = versionNum;
      this.lostBecause = null;
      this.attempt = 0;
      this.setState({ state: 'connected', attempt: 0 });
      return { ok: true };
    }
    if (this.closed) return { ok: false, error: notConnected('The monitoring session was closed.') };
    return this.failed(lastError ?? notConnected('No connection could be made.'));
  }

  private failed(reason: ErrorDescription): ConnectOutcome {
    this.client = null;
    const retryInMs = reason.retryable ? this.scheduleRetry() : undefined;
    this.setState({ state: 'disconnected', reason, attempt: this.attempt, ...(retryInMs !== undefined ? { retryInMs } : {}) });
    return { ok: false, error: reason };
  }

  private lost(client: pg.Client, reason: ErrorDescription): void {
    if (this.client !== client || this.closed) return;
    this.client = null;
    this.lostBecause = reason;
    void endClient(client);
    this.log(`connection lost: ${reason.title} ${reason.detail}`);
    this.attempt = 0;
    const retryInMs = this.scheduleRetry();
    this.setState({ state: 'disconnected', reason: { ...reason, retryable: true }, attempt: 0, ...(retryInMs !== undefined ? { retryInMs } : {}) });
  }

  /** Schedules the next attempt; returns its delay, or undefined when reconnecting is off. */
  private scheduleRetry(): number | undefined {
    if (!this.reconnectPolicy || this.closed) return undefined;
    const { initialDelayMs, maxDelayMs, factor } = this.reconnectPolicy;
    const base = Math.min(maxDelayMs, initialDelayMs * factor ** Math.max(0, this.attempt - 1));
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.clearRetry();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delay);
    // a pending retry alone does not keep a CLI process alive
    this.retryTimer.unref();
    return delay;
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private setState(event: SessionStateEvent): void {
    this.currentState = event.state;
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.log(`state listener threw: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}

function contextOf(config: ClientConfig): ErrorContext {
  return {
    ...(config.host ? { host: config.host } : {}),
    ...(config.port !== undefined ? { port: Number(config.port) } : {}),
    ...(config.database ? { database: config.database } : {}),
    ...(config.user ? { user: config.user } : {}),
    secrets: typeof config.password === 'string' ? [config.password] : [],
  };
}

function notConnected(title: string): ErrorDescription {
  return { kind: 'not-connected', title, advice: 'Connect to a database first (the monitor retries by itself after a lost connection).', detail: title, retryable: true };
}
