// Every write the extension makes, asked the same way (a modal naming the database, showing the
// SQL) and run the same way (a cancellable progress notification that says what the write waits
// for; the tree, badge and monitor refreshed as soon as it ends).
import type pg from 'pg';
import * as vscode from 'vscode';
import { DbError, describeConnectionError } from '../../db/errors';
import { formatDuration } from '../../db/status-format';
import { runWatchedWrite, WriteCancelledError, type WriteBlocker } from '../../db/watched-write';
import { confirmWrite, type ConfirmationRequest } from '../confirm';
import type { BuildWatcher } from '../monitor/build-watcher';
import type { ConnectionManager } from './connection-manager';
import type { StatusController } from './status-controller';

export interface WriteContext {
  connections: ConnectionManager;
  log: vscode.LogOutputChannel;
  status: StatusController;
  watcher: BuildWatcher;
}

export interface WriteQuestion extends Omit<ConfirmationRequest, 'detail'> {
  /** The exact statement(s), shown as they will run. */
  sql: string;
  /** A sentence after the SQL: what it does to others, what it leaves behind. */
  note?: string;
}

/** `chat_production on db.example.com:5432 as deploy` */
export function databaseLabel(connections: ConnectionManager): string | null {
  const config = connections.current?.candidate.config;
  return config ? `${config.database} on ${config.host}:${config.port} as ${config.user}` : null;
}

/** The one modal confirmation: names the database and shows the SQL. */
export async function askToWrite(connections: ConnectionManager, question: WriteQuestion): Promise<boolean> {
  const database = databaseLabel(connections);
  if (!database) {
    void vscode.window.showWarningMessage('Connect to a database first.');
    return false;
  }
  const { sql, note, ...rest } = question;
  return confirmWrite({ ...rest, detail: `Database ${database}:\n\n${sql}${note ? `\n\n${note}` : ''}` });
}

/** `waiting for PID 4242 (idle in transaction for 1m 3s: UPDATE contacts …)` */
export function describeBlockers(blockers: readonly WriteBlocker[]): string {
  const [first, ...others] = blockers;
  if (!first) return '';
  const age = first.transactionSeconds !== null ? ` for ${formatDuration(first.transactionSeconds)}` : '';
  const query = (first.query ?? '').replace(/\s+/g, ' ').trim();
  const shown = query.length > 60 ? `${query.slice(0, 59)}…` : query;
  return `waiting for PID ${first.pid} (${first.state ?? 'unknown state'}${age}${shown ? `: ${shown}` : ''})${others.length ? ` and ${others.length} more` : ''}`;
}

/**
 * Runs a confirmed write on its own connection, with a cancellable progress notification titled
 * `title` that says whom the write waits for. Refreshes the views before it returns. Returns
 * null when it failed or was cancelled (the user was told).
 */
export async function runWrite<T>(context: WriteContext, title: string, work: (client: pg.Client) => Promise<T>): Promise<{ value: T } | null> {
  const database = context.connections.current?.candidate.config.database ?? 'the database';
  try {
    const value = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `${title} on ${database}`, cancellable: true },
      (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        return runWatchedWrite(context.connections.writeConfigs(), work, {
          signal: controller.signal,
          onWaiting: (blockers) => progress.report({ message: blockers.length ? `${describeBlockers(blockers)} · Cancel stops it` : 'running' }),
        });
      },
    );
    context.log.info(`${title} on ${database}: done`);
    return { value };
  } catch (error) {
    if (error instanceof WriteCancelledError) {
      context.log.info(`${title} on ${database}: cancelled`);
      void vscode.window.showInformationMessage(`${title}: cancelled; PostgreSQL stopped the statement (the views show what is left).`);
      return null;
    }
    // A refusal of our own (no schema_migrations, ...) says best what to do; database errors get described.
    const cause = error instanceof DbError ? error.cause : error;
    if (cause instanceof Error && !(cause instanceof DbError) && !('code' in cause)) {
      context.log.error(`${title} on ${database} failed: ${cause.message}`);
      void vscode.window.showErrorMessage(`${title} failed: ${cause.message}`);
      return null;
    }
    const description = describeConnectionError(error);
    context.log.error(`${title} on ${database} failed: ${description.title} ${description.detail}`);
    void vscode.window.showErrorMessage(`${title} failed: ${description.title} ${description.advice}`);
    return null;
  } finally {
    await context.status.refreshAfterWrite();
    void context.watcher.poll();
  }
}
