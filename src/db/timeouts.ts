// Client-side bounds for every connection. statement_timeout is enforced by the server: a server
// that accepts TCP and never answers, or a backend that stopped (SIGSTOP, a frozen VM, a hung
// disk), enforces nothing, so each connect and each query also has a deadline of its own here.

import type pg from 'pg';

/** Connecting (TCP, TLS, start-up, authentication) gives up after this long, like libpq's connect_timeout. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** How long past its own statement_timeout a query may go unanswered before its connection is given up. */
export const ANSWER_GRACE_MS = 5_000;

/** The client-side deadline of a short statement (catalog look-ups, set_config, an INSERT). */
export const SHORT_QUERY_DEADLINE_MS = 30_000;

/** pg's `query_timeout` on a query config; @types/pg only has it on the client's. */
export type WithQueryTimeout<T> = T & { query_timeout?: number };

/** pg's rejection of a query past its `query_timeout`; the connection is unusable after it. */
export function isQueryReadTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Query read timeout';
}

/** The error that stands for it: describeConnectionError reads it as "the server did not answer in time". */
export function noAnswerError(afterMs: number): Error {
  return new Error(`no answer from the server in ${Math.round(afterMs / 100) / 10} s: the query timed out`);
}

/** How long a closing connection waits for the server's goodbye. */
export const CLOSE_TIMEOUT_MS = 1_000;

/**
 * Ends a client. pg's end() waits for the server to close its side, which a stopped backend
 * never does: past CLOSE_TIMEOUT_MS the socket is destroyed instead.
 */
export async function endClient(client: pg.Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const abandoned = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
      resolve();
    }, CLOSE_TIMEOUT_MS);
  });
  await Promise.race([client.end().catch(() => undefined), abandoned]);
  clearTimeout(timer);
}
