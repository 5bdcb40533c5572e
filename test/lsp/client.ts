// A real LSP client (vscode-jsonrpc, the library VS Code's own client is built on) talking to
// `pg-index-guard lsp --stdio` in a child process, as an editor does.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { CodeAction, Diagnostic, Hover, InitializeResult, PublishDiagnosticsParams, TextEdit, WorkspaceEdit } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { buildCliBundleInto, tempDir } from '../cli/helpers';

/** Builds the CLI once into a folder of the caller's (dist/ is rebuilt by another suite meanwhile). */
export async function buildServer(folder: string): Promise<string> {
  mkdirSync(folder, { recursive: true });
  await buildCliBundleInto(folder);
  return join(folder, 'cli.js');
}

export interface ClientOptions {
  cli: string;
  /** Node arguments that start the server instead of `<cli> lsp --stdio`. */
  serverArgs?: string[];
  rootUri?: string | null;
  initializationOptions?: unknown;
  /** Answers workspace/configuration; absent: the client does not offer the capability. */
  configuration?: (scopeUri: string | undefined) => unknown;
}

export class LspTestClient {
  readonly documents = new Map<string, TextDocument>();
  /** Every publishDiagnostics notification, in arrival order. */
  readonly published: PublishDiagnosticsParams[] = [];
  readonly messages: string[] = [];
  stderr = '';
  private waiters: Array<() => void> = [];
  private constructor(
    readonly child: ChildProcess,
    readonly connection: MessageConnection,
  ) {}

  static async start(options: ClientOptions): Promise<{ client: LspTestClient; initialized: InitializeResult }> {
    const env = { ...process.env };
    delete env['NODE_OPTIONS'];
    const child = spawn(process.execPath, options.serverArgs ?? [options.cli, 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env });
    const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const client = new LspTestClient(child, connection);
    child.stderr!.on('data', (chunk: Buffer) => (client.stderr += chunk.toString()));
    connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
      client.published.push(params);
      client.wake();
    });
    connection.onNotification('window/showMessage', (params: { message: string }) => void client.messages.push(params.message));
    connection.onNotification('window/logMessage', () => undefined);
    connection.onRequest('window/showMessageRequest', (params: { message: string }) => {
      client.messages.push(params.message);
      return null;
    });
    connection.onRequest('client/registerCapability', () => null);
    if (options.configuration) {
      const answer = options.configuration;
      connection.onRequest('workspace/configuration', (params: { items: Array<{ scopeUri?: string }> }) => params.items.map((item) => answer(item.scopeUri) ?? null));
    }
    connection.listen();
    const initialized = await connection.sendRequest<InitializeResult>('initialize', {
      processId: process.pid,
      rootUri: options.rootUri ?? null,
      workspaceFolders: options.rootUri ? [{ uri: options.rootUri, name: 'app' }] : null,
      initializationOptions: options.initializationOptions,
      capabilities: {
        workspace: {
          configuration: options.configuration !== undefined,
          workspaceFolders: true,
          didChangeConfiguration: { dynamicRegistration: true },
          workspaceEdit: { documentChanges: true, resourceOperations: ['create'] },
        },
        textDocument: {
          publishDiagnostics: { versionSupport: true, codeDescriptionSupport: true },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source.fixAll'] } } },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          synchronization: { didSave: true },
        },
      },
    });
    await connection.sendNotification('initialized', {});
    return { client, initialized };
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** The first publish (from now on or already in) for `uri` that `accept` takes; fails after `timeoutMs`. */
  async diagnostics(uri: string, accept: (params: PublishDiagnosticsParams) => boolean, timeoutMs = 30_000): Promise<PublishDiagnosticsParams> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.published.find((p) => p.uri === uri && accept(p));
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching diagnostics for ${uri}; published: ${JSON.stringify(this.published.filter((p) => p.uri === uri).map((p) => ({ version: p.version, codes: codes(p.diagnostics) })))}\nserver stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Diagnostics published for exactly this version of the document. */
  diagnosticsOf(uri: string, version: number): Promise<PublishDiagnosticsParams> {
    return this.diagnostics(uri, (p) => p.version === version);
  }

  async open(uri: string, languageId: string, text: string): Promise<TextDocument> {
    const document = TextDocument.create(uri, languageId, 1, text);
    this.documents.set(uri, document);
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    return document;
  }

  /** Replaces the whole text (a new version), as a didChange. */
  async change(uri: string, text: string): Promise<TextDocument> {
    const old = this.documents.get(uri)!;
    const document = TextDocument.create(uri, old.languageId, old.version + 1, text);
    this.documents.set(uri, document);
    await this.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: document.version },
      contentChanges: [{ range: { start: { line: 0, character: 0 }, end: old.positionAt(old.getText().length) }, text }],
    });
    return document;
  }

  /** Applies a workspace edit to the open documents (refusing one made for another version), then sends the change. */
  async apply(edit: WorkspaceEdit): Promise<void> {
    const byUri = new Map<string, TextEdit[]>();
    for (const change of edit.documentChanges ?? []) {
      if (!('textDocument' in change)) throw new Error(`unexpected resource operation ${JSON.stringify(change)}`);
      const document = this.documents.get(change.textDocument.uri)!;
      if (change.textDocument.version !== null && change.textDocument.version !== document.version) throw new Error(`edit for version ${change.textDocument.version}, document at ${document.version}`);
      byUri.set(change.textDocument.uri, [...(byUri.get(change.textDocument.uri) ?? []), ...(change.edits as TextEdit[])]);
    }
    for (const [uri, edits] of Object.entries(edit.changes ?? {})) byUri.set(uri, [...(byUri.get(uri) ?? []), ...edits]);
    for (const [uri, edits] of byUri) await this.change(uri, TextDocument.applyEdits(this.documents.get(uri)!, edits));
  }

  codeActions(uri: string, diagnostics: Diagnostic[], only?: string[]): Promise<CodeAction[]> {
    const range = diagnostics[0]?.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    return this.connection.sendRequest<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics, ...(only ? { only } : {}) } });
  }

  hover(uri: string, line: number, character: number): Promise<Hover | null> {
    return this.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line, character } });
  }

  /** shutdown, then exit; resolves with the server's exit code. */
  async stop(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
    if (this.child.exitCode !== null) return this.child.exitCode;
    await this.connection.sendRequest('shutdown');
    await this.connection.sendNotification('exit');
    const code = await exited;
    this.connection.dispose();
    return code;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
    this.connection.dispose();
  }
}

export function codes(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => String(d.code));
}

/** A copy of a file under a fresh temporary folder (the test edits it, the fixture stays). */
export function copyInto(folder: string, source: string, relative: string): string {
  const target = join(folder, relative);
  mkdirSync(join(target, '..'), { recursive: true });
  copyFileSync(source, target);
  return target;
}

export { tempDir };
