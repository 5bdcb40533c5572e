import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { PgIndexGuardApi } from '../../src/extension/extension';

export const EXTENSION_ID = 'pg-index-guard.pg-index-guard';

export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests need the fixture app opened as a folder');
  return folder.uri;
}

export function workspaceFile(relativePath: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), relativePath);
}

export async function activateExtension(): Promise<PgIndexGuardApi> {
  const extension = vscode.extensions.getExtension<PgIndexGuardApi>(EXTENSION_ID);
  assert.ok(extension, `extension ${EXTENSION_ID} is not loaded`);
  return extension.activate();
}

export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function ourDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'pg-index-guard');
}

export function codeOf(diagnostic: vscode.Diagnostic): string | undefined {
  const code = diagnostic.code;
  if (typeof code === 'object' && code !== null) return String(code.value);
  return code === undefined ? undefined : String(code);
}

/**
 * Asks the test runner (outside VS Code) for a screenshot of the browser page and
 * waits until it is written. Only the browser side can take it.
 */
export async function screenshot(name: string): Promise<void> {
  const artifacts = process.env.PGIG_TEST_ARTIFACTS;
  if (!artifacts) return; // desktop runs (test-electron) have no page to shoot
  await new Promise((r) => setTimeout(r, 800)); // let the workbench paint
  // A .done left by an earlier run would let the test go on before this picture is taken.
  rmSync(join(artifacts, `${name}.done`), { force: true });
  console.log(`__pgig_screenshot__:${name}`);
  await waitFor(`screenshot ${name}`, () => existsSync(join(artifacts, `${name}.done`)) || undefined, 30_000);
}

/** What the build monitor webview shows, as text read from its DOM by the test runner. */
export async function webviewText(name: string): Promise<string> {
  const artifacts = process.env.PGIG_TEST_ARTIFACTS;
  if (!artifacts) throw new Error('webview text needs the browser-driven runner');
  const file = join(artifacts, `${name}.txt`);
  console.log(`__pgig_webview_text__:${name}`);
  await waitFor(`webview text ${name}`, () => existsSync(file) || undefined, 30_000);
  return readFileSync(file, 'utf8');
}


/**
 * Clicks the first element the CSS selector finds on the page (the runner does it in the browser),
 * waiting up to `timeoutMs` for it to appear; throws when it does not.
 */
export async function clickOnPage(name: string, selector: string, timeoutMs = 20_000): Promise<void> {
  const artifacts = process.env.PGIG_TEST_ARTIFACTS;
  if (!artifacts) throw new Error('clicking needs the browser-driven runner');
  // A click may be asked again under the same name: a name of its own for each request.
  const request = `${name}-${Date.now()}`;
  console.log(`__pgig_click__:${request}:${timeoutMs}:${selector}`);
  const answer = join(artifacts, `${request}.done`);
  await waitFor(`click ${name}`, () => existsSync(answer) || undefined, timeoutMs + 10_000);
  const outcome = readFileSync(answer, 'utf8');
  if (outcome) throw new Error(outcome);
}

/** Types into the quick input on screen (the runner does it in the browser), then Enter. */
export async function typeIntoQuickInput(name: string, text: string): Promise<void> {
  const artifacts = process.env.PGIG_TEST_ARTIFACTS;
  if (!artifacts) throw new Error('typing needs the browser-driven runner');
  rmSync(join(artifacts, `${name}.done`), { force: true });
  console.log(`__pgig_type__:${name}:${text}`);
  await waitFor(`typing ${name}`, () => existsSync(join(artifacts, `${name}.done`)) || undefined, 30_000);
  const outcome = readFileSync(join(artifacts, `${name}.done`), 'utf8');
  if (outcome) throw new Error(outcome);
}

/** The text of the notification toasts on screen, read by the runner from the browser DOM. */
export async function notificationsText(name: string): Promise<string> {
  const artifacts = process.env.PGIG_TEST_ARTIFACTS;
  if (!artifacts) throw new Error('notification text needs the browser-driven runner');
  const file = join(artifacts, `${name}.txt`);
  rmSync(file, { force: true });
  console.log(`__pgig_notifications__:${name}`);
  await waitFor(`notification text ${name}`, () => existsSync(file) || undefined, 30_000);
  return readFileSync(file, 'utf8');
}

/** Clicks a button of a notification toast in the browser, as a user would. */
export async function clickNotificationButton(name: string, label: string): Promise<void> {
  const artifacts = process.env.PGIG_TEST_ARTIFACTS;
  if (!artifacts) throw new Error('clicking needs the browser-driven runner');
  const file = join(artifacts, `${name}.done`);
  rmSync(file, { force: true });
  console.log(`__pgig_click_notification__:${name}:${label}`);
  await waitFor(`click ${name}`, () => existsSync(file) || undefined, 30_000);
  const outcome = readFileSync(file, 'utf8');
  if (outcome) throw new Error(outcome);
}

/** Asks the runner's browser side for something only it can see; returns its answer, throws its error. */
async function askBrowser(request: string, name: string, answerFile: string, argument?: string): Promise<string> {
  const artifacts = process.env.PGIG_TEST_ARTIFACTS;
  if (!artifacts) throw new Error(`${request} needs the browser-driven runner`);
  const file = join(artifacts, answerFile);
  rmSync(file, { force: true }); // an answer left by an earlier run is not this one
  console.log(`__pgig_${request}__:${name}${argument === undefined ? '' : `:${argument}`}`);
  await waitFor(`${request} ${name}`, () => existsSync(file) || undefined, 30_000);
  const answer = readFileSync(file, 'utf8');
  if (answer.startsWith('error: ')) throw new Error(answer);
  return answer;
}

export interface PageElement {
  text: string;
  label: string;
  classes: string;
  checked: string;
  background: string;
}

/** The workbench elements a CSS selector matches, read from the page's DOM. */
export async function pageElements(name: string, selector: string): Promise<PageElement[]> {
  return JSON.parse(await askBrowser('page', name, `${name}.json`, selector)) as PageElement[];
}

/** Hovers the first tree row showing `rowText` with the mouse; returns the tooltip's text (and keeps a screenshot `name`). */
export async function hoverTreeRow(name: string, rowText: string): Promise<string> {
  return askBrowser('hover', name, `${name}.txt`, rowText);
}

/** For each card of the build monitor: its width and what sticks out of it on the right. */
export async function monitorOverflow(name: string): Promise<Array<{ card: string; width: number; overflowing: string[] }>> {
  return JSON.parse(await askBrowser('webview_overflow', name, `${name}.json`));
}
