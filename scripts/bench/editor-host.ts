// The editor bench's measurements, run inside the VS Code extension host by the VS Code test
// runner (scripts/run-vscode-tests.mjs --tests out/bench/vscode/index.js; see editor.ts, which
// writes the workspace and prints what this writes to PGIG_BENCH_RESULTS). Nothing is asserted.
// The workspace keeps its Rails app in app/ (not at the root), so nothing activates the
// extension before run() opens the first migration: activation happens on onLanguage:ruby.
import { writeFileSync } from 'node:fs';
import { getHeapSnapshot } from 'node:v8';
import * as vscode from 'vscode';

const EXTENSION_ID = 'pg-index-guard.pg-index-guard';
const SOURCE = 'pg-index-guard';

export interface EditorBenchResults {
  vscodeVersion: string;
  activeBeforeOpen: boolean;
  activation: { openToFirstDiagnosticMs: number; activateCallMs: number | null; openToActivateStartMs: number | null };
  keystrokes: Array<{ file: string; lines: number; lintDelayMs: number; edits: number; samplesMs: number[]; openToFirstDiagnosticMs: number; diagnostics: number }>;
  memory: Array<{ when: string; rss: number; heapUsed: number; heapTotal: number; external: number; openMigrations: number }>;
  /** Heap used after a full GC, with every migration still open (the last reading). */
  liveHeapUsedAtEnd: number;
  /** Migrations opened for the memory figure, and how long until all of them had diagnostics. */
  workspace: { migrations: number; allLintedMs: number };
}

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE);

/** Resolves with the time (performance.now()) our diagnostics of `uri` first satisfy `accept`. */
function diagnosticsWhere(uri: vscode.Uri, accept: (d: vscode.Diagnostic[]) => boolean, timeoutMs = 60_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!accept(ours(uri))) return false;
      const at = performance.now();
      subscription.dispose();
      clearTimeout(timer);
      resolve(at);
      return true;
    };
    const subscription = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) check();
    });
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`no diagnostics as expected on ${uri.path} within ${timeoutMs} ms`));
    }, timeoutMs);
    check();
  });
}

/** The line of the last finding: an edit near the top moves it (a finding on line 0 would not move). */
const lastLine = (d: vscode.Diagnostic[]) => Math.max(...d.map((x) => x.range.start.line));

function memory(when: string, openMigrations: number): EditorBenchResults['memory'][number] {
  const m = process.memoryUsage();
  return { when, rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, openMigrations };
}

/**
 * The heap once garbage is collected: V8 collects before it takes a heap snapshot, so reading one
 * (and throwing it away) is a full GC without a V8 flag. Taken last: the snapshot's own buffers
 * stay in the RSS, which would spoil any reading after it.
 */
async function liveHeapUsed(): Promise<number> {
  for await (const chunk of getHeapSnapshot()) void chunk;
  return process.memoryUsage().heapUsed;
}

/** The extension host's performance marks (VS Code's own: code/extHost/willActivateExtension/<id>...), epoch ms. */
function mark(name: string): number | null {
  const marks = (globalThis as { MonacoPerformanceMarks?: { getMarks(): Array<{ name: string; startTime: number }> } }).MonacoPerformanceMarks?.getMarks() ?? [];
  return marks.find((m) => m.name === name)?.startTime ?? null;
}

async function setLintDelay(ms: number): Promise<void> {
  await vscode.workspace.getConfiguration('pgIndexGuard').update('lintDelay', ms, vscode.ConfigurationTarget.Workspace);
}

/**
 * Keystrokes on a big migration: each edit inserts (then, the next time, deletes) a line break
 * at the start of line 2, which moves every finding by one line; the time runs from the edit's
 * call to the diagnostics that show the moved findings.
 */
async function keystrokes(file: vscode.Uri, lintDelayMs: number, edits: number): Promise<EditorBenchResults['keystrokes'][number]> {
  await setLintDelay(lintDelayMs);
  const opened = performance.now();
  const document = await vscode.workspace.openTextDocument(file);
  const editor = await vscode.window.showTextDocument(document);
  const shown = await diagnosticsWhere(file, (d) => d.length > 0);
  let expected = lastLine(ours(file));
  const samplesMs: number[] = [];
  for (let i = 0; i < edits; i++) {
    const insert = i % 2 === 0;
    expected += insert ? 1 : -1;
    const target = expected;
    const arrived = diagnosticsWhere(file, (d) => d.length > 0 && lastLine(d) === target);
    const started = performance.now();
    await editor.edit((b) => (insert ? b.insert(new vscode.Position(1, 0), '\n') : b.delete(new vscode.Range(1, 0, 2, 0))));
    samplesMs.push((await arrived) - started);
    // A typist's pause: the next key comes after this one's diagnostics, not on top of them.
    await new Promise((r) => setTimeout(r, 30));
  }
  const diagnostics = ours(file).length;
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  return { file: vscode.workspace.asRelativePath(file), lines: document.lineCount, lintDelayMs, edits, samplesMs, openToFirstDiagnosticMs: shown - opened, diagnostics };
}

export async function run(): Promise<void> {
  const out = process.env.PGIG_BENCH_RESULTS;
  if (!out) throw new Error('PGIG_BENCH_RESULTS is not set: run this through `npm run bench -- editor`');
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the editor bench needs its workspace opened as a folder');
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  if (!extension) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  const memoryFigures = [memory('before activation (extension host with the built-in extensions)', 0)];
  const activeBeforeOpen = extension.isActive;

  // Activation: a migration opened in an editor, to its first diagnostic.
  const migrateDir = vscode.Uri.joinPath(folder.uri, 'app', 'db', 'migrate');
  const migrations = (await vscode.workspace.fs.readDirectory(migrateDir))
    .map(([name]) => name)
    .filter((name) => name.endsWith('.rb'))
    .sort()
    .map((name) => vscode.Uri.joinPath(migrateDir, name));
  const first = migrations[0]!;
  const openedAt = Date.now();
  const openedPerf = performance.now();
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(first));
  const firstDiagnosticAt = await diagnosticsWhere(first, (d) => d.length > 0);
  const will = mark(`code/extHost/willActivateExtension/${EXTENSION_ID}`);
  const did = mark(`code/extHost/didActivateExtension/${EXTENSION_ID}`);
  const activation = {
    openToFirstDiagnosticMs: firstDiagnosticAt - openedPerf,
    activateCallMs: will !== null && did !== null ? did - will : null,
    openToActivateStartMs: will !== null && !activeBeforeOpen ? will - openedAt : null,
  };
  memoryFigures.push(memory('after the first diagnostic (1 migration open)', 1));
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');

  const results: EditorBenchResults['keystrokes'] = [];
  const edits = Number(process.env.PGIG_BENCH_EDITS ?? 40);
  for (const [name, delays] of [['big/20240601000000_big_data_migration.rb', [250, 0]], ['big/big_migration.sql', [250, 0]]] as const) {
    for (const delay of delays) results.push(await keystrokes(vscode.Uri.joinPath(folder.uri, name), delay, edits));
  }
  await setLintDelay(250);

  // Memory: every migration of the app open (as documents: each is linted, its diagnostics kept).
  const allStarted = performance.now();
  // One after the other, as a user's editor restores them; each waits for none of the others' lint.
  const linted: Promise<number>[] = [];
  const documents: vscode.TextDocument[] = [];
  for (const uri of migrations) {
    linted.push(diagnosticsWhere(uri, (d) => d.length > 0));
    documents.push(await vscode.workspace.openTextDocument(uri));
  }
  await Promise.all(linted);
  const allLintedMs = performance.now() - allStarted;
  // Let the debounced work (CodeLens, status bar) settle before reading the heap.
  await new Promise((r) => setTimeout(r, 2000));
  memoryFigures.push(memory(`${documents.length} migrations open and linted`, documents.length));

  const results_: EditorBenchResults = {
    vscodeVersion: vscode.version,
    activeBeforeOpen,
    activation,
    keystrokes: results,
    memory: memoryFigures,
    workspace: { migrations: migrations.length, allLintedMs },
    liveHeapUsedAtEnd: await liveHeapUsed(),
  };
  writeFileSync(out, JSON.stringify(results_, null, 2));
  console.log(`editor bench: results written to ${out}`);
}
