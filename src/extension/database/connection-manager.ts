import * as vscode from 'vscode';
import type { ClientConfig } from 'pg';
import {
  clientConfigsFor,
  passwordKey,
  readConnectionInputs,
  resolveConnectionCandidates,
  type ConnectionCandidate,
  type ConnectionSetting,
} from '../../db/connection';
import type { ErrorDescription } from '../../db/errors';
import { MonitorSession, type SessionState } from '../../db/session';
import { SECTION } from '../settings';

export type ConnectionState = 'none' | SessionState;

const REMEMBERED_CONNECTION = 'pgIndexGuard.connectionId';
const PASSWORD_PREFIX = 'pgIndexGuard.password:';

/**
 * Owns the one database connection of the window: finds candidates, lets the user pick,
 * keeps passwords in SecretStorage (never settings or logs), and runs the read-only
 * monitoring session. Every failure ends as a state and a message, never a rejection.
 */
export class ConnectionManager implements vscode.Disposable {
  private session: MonitorSession | null = null;
  private candidate: ConnectionCandidate | null = null;
  private password: string | undefined;
  private unsubscribe: (() => void) | null = null;
  private lastError: ErrorDescription | null = null;
  private readonly changed = new vscode.EventEmitter<ConnectionState>();
  readonly onDidChangeState = this.changed.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get state(): ConnectionState {
    return this.session?.state ?? 'none';
  }

  /** The session lost its connection and is making it again by itself. */
  get reconnecting(): boolean {
    return this.session?.reconnecting === true;
  }

  get current(): { candidate: ConnectionCandidate; session: MonitorSession } | null {
    return this.session && this.candidate ? { candidate: this.candidate, session: this.session } : null;
  }

  get lastFailure(): ErrorDescription | null {
    return this.lastError;
  }

  /** Configs for a separate write connection to the same database (for confirmed actions). */
  writeConfigs(): ClientConfig[] {
    if (!this.candidate) throw new Error('not connected');
    return clientConfigsFor(this.candidate, { password: this.password });
  }

  workspaceRoot(): string | null {
    return this.workspaceFolder()?.uri.fsPath ?? null;
  }

  /** The folder whose files (.env, config/database.yml, migrations) and settings the connection uses. */
  workspaceFolder(): vscode.WorkspaceFolder | null {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder?.uri.scheme === 'file' ? folder : null;
  }

  /** This extension's settings as that folder sees them (connections, autoConnect and the lint settings are resource scoped). */
  folderSettings(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SECTION, this.workspaceFolder()?.uri ?? null);
  }

  findCandidates(): { candidates: ConnectionCandidate[]; warnings: string[] } {
    const settings = this.folderSettings().get<ConnectionSetting[]>('connections') ?? [];
    const inputs = readConnectionInputs(this.workspaceRoot(), { settings: Array.isArray(settings) ? settings : [] });
    return resolveConnectionCandidates(inputs);
  }

  /** Connects to the connection remembered for this workspace, quietly (no prompts). */
  async connectRemembered(): Promise<void> {
    if (!vscode.workspace.isTrusted) return;
    const id = this.context.workspaceState.get<string>(REMEMBERED_CONNECTION);
    const { candidates } = this.findCandidates();
    let candidate = id ? candidates.find((c) => c.id === id) : undefined;
    // Opt-in: connect to the first database found without asking (a dev database from .env).
    if (!candidate && !id && this.folderSettings().get<boolean>('autoConnect') === true) candidate = candidates[0];
    if (candidate) await this.connect(candidate, { interactive: false });
  }

  /** The picker: what was found, where it came from; the choice is remembered per workspace. */
  async pickAndConnect(): Promise<boolean> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(
        'PG Index Guard does not connect to databases from untrusted workspaces. Trust this workspace to connect.',
      );
      return false;
    }
    const { candidates, warnings } = this.findCandidates();
    for (const warning of warnings) this.log.warn(warning);
    if (candidates.length === 0) {
      const choice = await vscode.window.showWarningMessage(
        'No database found: add one to the pgIndexGuard.connections setting, set DATABASE_URL (environment or .env), or add config/database.yml.',
        'Open Settings',
      );
      if (choice) await vscode.commands.executeCommand('workbench.action.openSettings', 'pgIndexGuard.connections');
      return false;
    }
    const remembered = this.context.workspaceState.get<string>(REMEMBERED_CONNECTION);
    type Item = vscode.QuickPickItem & { candidate: ConnectionCandidate };
    const items: Item[] = candidates.map((candidate) => ({
      label: candidate.label,
      description: `${candidate.config.user}@${candidate.config.host}:${candidate.config.port}/${candidate.config.database}`,
      detail: `from ${candidate.origin}${candidate.id === remembered ? ' · last used' : ''}${candidate.warnings.length ? ` · ${candidate.warnings.join('; ')}` : ''}`,
      candidate,
    }));
    const picked = await vscode.window.showQuickPick(items, {
      title: 'PG Index Guard: connect to a database',
      placeHolder: 'The monitoring session is read-only; anything that writes asks first.',
      matchOnDescription: true,
    });
    if (!picked) return false;
    return this.connect(picked.candidate, { interactive: true });
  }

  async connect(candidate: ConnectionCandidate, { interactive }: { interactive: boolean }): Promise<boolean> {
    await this.disconnect();
    this.candidate = candidate;
    this.password = candidate.needsPassword ? await this.context.secrets.get(PASSWORD_PREFIX + passwordKey(candidate)) : undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      const outcome = await this.startSession(candidate);
      if (outcome.ok) {
        await this.context.workspaceState.update(REMEMBERED_CONNECTION, candidate.id);
        if (candidate.needsPassword && this.password !== undefined) {
          await this.context.secrets.store(PASSWORD_PREFIX + passwordKey(candidate), this.password);
        }
        this.log.info(`connected to ${candidate.label} (${candidate.config.host}:${candidate.config.port}/${candidate.config.database})`);
        return true;
      }
      const error = outcome.error;
      this.lastError = error;
      const passwordProblem = error.kind === 'wrong-password' || error.kind === 'password-required';
      if (passwordProblem && interactive && candidate.needsPassword) {
        await this.context.secrets.delete(PASSWORD_PREFIX + passwordKey(candidate));
        const password = await vscode.window.showInputBox({
          title: `Password for ${candidate.config.user} on ${candidate.config.host}`,
          prompt: error.kind === 'wrong-password' ? 'The password was rejected. Enter it again.' : 'Kept in VS Code secret storage, never in settings.',
          password: true,
          ignoreFocusOut: true,
        });
        if (password === undefined) break;
        this.password = password;
        await this.disconnect(false);
        this.candidate = candidate;
        continue;
      }
      this.log.warn(`could not connect to ${candidate.label}: ${error.title} ${error.detail}`);
      if (interactive) void vscode.window.showErrorMessage(`${error.title} ${error.advice}`);
      break;
    }
    await this.disconnect();
    return false;
  }

  private async startSession(candidate: ConnectionCandidate) {
    const session = new MonitorSession({
      target: () => clientConfigsFor(candidate, { password: this.password }),
      log: (line) => this.log.debug(line),
    });
    this.session = session;
    this.unsubscribe = session.onState((event) => {
      if (event.state === 'disconnected' && event.reason) {
        this.lastError = event.reason;
        this.log.warn(`database connection lost: ${event.reason.title}${event.retryInMs ? ` (retrying in ${Math.round(event.retryInMs / 1000)} s)` : ''}`);
      }
      if (event.state === 'connected') this.lastError = null;
      void vscode.commands.executeCommand('setContext', 'pgIndexGuard.connected', event.state === 'connected');
      void vscode.commands.executeCommand('setContext', 'pgIndexGuard.connectionState', event.state);
      this.changed.fire(event.state);
    });
    return session.connect();
  }

  async disconnect(fire = true): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    const session = this.session;
    this.session = null;
    this.candidate = null;
    if (session) await session.close();
    if (fire) {
      await vscode.commands.executeCommand('setContext', 'pgIndexGuard.connected', false);
      await vscode.commands.executeCommand('setContext', 'pgIndexGuard.connectionState', 'none');
      this.changed.fire('none');
    }
  }

  async forgetPasswords(): Promise<void> {
    const { candidates } = this.findCandidates();
    for (const candidate of candidates) await this.context.secrets.delete(PASSWORD_PREFIX + passwordKey(candidate));
    void vscode.window.showInformationMessage('PG Index Guard forgot the stored database passwords.');
  }

  dispose(): void {
    void this.disconnect(false);
    this.changed.dispose();
  }
}
