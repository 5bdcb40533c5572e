#!/usr/bin/env node
// Runs the mocha suite in test/vscode inside a real VS Code: the VS Code server build
// from code-server@4.100.3, opened in headless Chromium, loading this extension under
// development. The suite's result comes back through codeAutomationExit(code).
// Options (the editor bench runs its own module this way): --tests <compiled module> instead of
// out/test/vscode/index.js, --workspace <folder> opened as it is instead of a copy of the fixture
// app, --no-database: no embedded PostgreSQL (no DATABASE_URL).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import pg from 'pg';
import { CHROMIUM_ARGS, ensureVsCodeServer, startVsCodeServer, workbenchUrl } from './vscode-server.mjs';
// TypeScript helpers: this runner runs under `node --import tsx`.
import { startEmbeddedPostgres } from './lib/embedded-postgres.ts';
import { seedChatTables } from './lib/seed.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const artifacts = join(root, 'test-artifacts');
const TIMEOUT_MS = Number(process.env.PGIG_VSCODE_TEST_TIMEOUT_MS ?? 10 * 60_000);
const verbose = !!process.env.PGIG_VERBOSE;
// Workbench chatter that says nothing about the suite (offline marketplace, socket set-up).
const NOISE = /open-vsx|marketplace|Service Worker|connection token|Creating a socket|ChatSessionStore|additional builtin extensions|^\s+at |WASI is an experimental|--trace-warnings|ExperimentalWarning/;

const { values: options } = parseArgs({
  options: { tests: { type: 'string' }, workspace: { type: 'string' }, 'no-database': { type: 'boolean' } },
});
const testsModule = options.tests ? resolve(options.tests) : join(root, 'out/test/vscode/index.js');

const vscodeDir = ensureVsCodeServer();
const work = mkdtempSync(join(tmpdir(), 'pgig-vscode-test-'));
const workspace = options.workspace ? resolve(options.workspace) : join(work, 'workspace');
if (!options.workspace) cpSync(join(root, 'test/fixtures/rails-app'), workspace, { recursive: true });
mkdirSync(join(workspace, '.vscode'), { recursive: true });
mkdirSync(artifacts, { recursive: true });
// Answers of an earlier run would let the suite go on before this run's request is answered.
for (const name of readdirSync(artifacts)) if (name.endsWith('.done')) rmSync(join(artifacts, name));
rmSync(join(artifacts, 'logs'), { recursive: true, force: true });

/** The (nested) webview frame that holds the build monitor's root element. */
async function monitorFrame(page) {
  for (const frame of page.frames()) {
    const root = await frame.$('main#root').catch(() => null);
    if (root) return frame;
  }
  return null;
}

/** innerText of the build monitor's root element. */
async function webviewText(page) {
  const frame = await monitorFrame(page);
  return frame ? frame.$eval('main#root', (root) => root.innerText) : '';
}

/** What sticks out of the monitor's cards (a build, Recent builds) to the right: their width and each overflowing element. */
async function webviewOverflow(page) {
  const frame = await monitorFrame(page);
  if (!frame) throw new Error('no build monitor on screen');
  return JSON.stringify(
    await frame.$$eval('section.build, vscode-collapsible.recent', (cards) =>
      cards.map((card) => {
        const edge = card.getBoundingClientRect().right;
        const inside = [...card.querySelectorAll('*')];
        const overflowing = inside
          .filter((el) => el.getBoundingClientRect().width > 0 && el.getBoundingClientRect().right > edge + 0.5)
          .map((el) => `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(' ').join('.')}` : ''}: ${(el.textContent ?? '').slice(0, 40)}`);
        return { card: card.className, width: Math.round(card.getBoundingClientRect().width), overflowing };
      }),
    ),
  );
}

/** Text, aria-label, classes and colours of the workbench elements a selector matches (status bar items, welcome views, walkthrough steps). */
function pageElements(page, selector) {
  return page.$$eval(selector, (elements) =>
    JSON.stringify(
      elements.map((el) => ({
        text: el.innerText ?? el.textContent ?? '',
        label: el.getAttribute('aria-label') ?? '',
        classes: String(el.className),
        checked: el.getAttribute('aria-checked') ?? '',
        background: getComputedStyle(el).backgroundColor,
      })),
    ),
  );
}

/** Hovers the first tree row that shows a text, waits for its tooltip, shoots the page; answers the tooltip's text. */
async function hoverTreeRow(page, name, text) {
  // In the side bar only: notification toasts are list rows too, and their buttons have hovers.
  const row = page.locator('.part.sidebar .monaco-list-row', { hasText: text }).first();
  await row.waitFor({ state: 'visible', timeout: 20_000 });
  await page.mouse.move(0, 0);
  await row.hover();
  // Visible ones only: an editor hover shown earlier in the suite stays in the DOM, hidden, with its text.
  const hover = page.locator('.workbench-hover:visible, .monaco-hover:visible').filter({ hasText: /\S/ }).first();
  await hover.waitFor({ state: 'visible', timeout: 20_000 });
  const shown = await hover.innerText({ timeout: 2_000 });
  await page.screenshot({ path: join(artifacts, `${name}.png`) });
  return shown;
}

let server;
let browser;
let postgres;
let exitCode = 1;
const cleanup = async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
  await postgres?.stop();
  rmSync(work, { recursive: true, force: true });
};
// Ctrl-C or a CI timeout: stop the server (its own process group), the browser and Postgres.
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) process.on(signal, () => cleanup().then(() => process.exit(code)));

try {
  // A real database for the suite: the extension finds it through DATABASE_URL.
  let databaseUrl;
  if (!options['no-database']) {
    postgres = await startEmbeddedPostgres({ password: 'pgig-vscode-suite' });
    await postgres.createDatabase('chat_test');
    databaseUrl = postgres.url('chat_test');
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await seedChatTables(client, 0.02);
    await client.query('CREATE TABLE schema_migrations (version varchar PRIMARY KEY)');
    await client.query("INSERT INTO schema_migrations VALUES ('20240101000000')");
    await client.end();
  }

  server = await startVsCodeServer({
    vscodeDir,
    dataDir: join(work, 'data'),
    // PGIG_TEST_LOGS: the session's logs, where the extension host writes its warnings.
    env: { PGIG_TEST_ARTIFACTS: artifacts, PGIG_TEST_WORKSPACE: workspace, PGIG_TEST_LOGS: join(work, 'data', 'user-data', 'logs'), ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      // The CLI's build history the extension also reads: the suite's own, not the developer's.
      PG_INDEX_GUARD_BUILD_HISTORY: join(work, 'cli-build-history.json') },
    log: (text) => verbose && process.stderr.write(`[server] ${text}`),
  });
  // Playwright's own signal handlers would exit the process before cleanup stops the server.
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
    handleSIGINT: false,
    handleSIGTERM: false,
  });
  // A laptop's window: what the screenshots show has to fit it.
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (error) => verbose && console.error(`[page error] ${error}`));
  if (verbose) page.on('console', (msg) => console.error(`[console.${msg.type()}] ${msg.text()}`));

  let finish;
  const finished = new Promise((resolve) => (finish = resolve));
  const screenshotRequests = [];
  // What the suite asks of the browser through its output (only the browser side can do it).
  // Each request's answer goes to a file in test-artifacts: its result, or "error: ..." when it failed.
  const BROWSER_REQUESTS = [
    {
      // A screenshot of the page; the answer file only says it is taken.
      pattern: /__pgig_screenshot__:([\w.-]+)/,
      answerFile: ([, name]) => `${name}.done`,
      act: ([, name]) => page.screenshot({ path: join(artifacts, `${name}.png`) }).then(() => ''),
    },
    {
      // Text typed into the focused input (a password prompt), then Enter, as a user would.
      pattern: /__pgig_type__:([\w-]+):(.*)$/,
      answerFile: ([, name]) => `${name}.done`,
      act: ([, , value]) =>
        page
          .locator('.quick-input-widget input')
          .first()
          .waitFor({ state: 'visible', timeout: 20_000 })
          .then(() => page.keyboard.type(value))
          .then(() => page.keyboard.press('Enter'))
          .then(() => ''),
    },
    {
      // The text of the notification toasts on screen (progress of a write, its outcome).
      pattern: /__pgig_notifications__:([\w.-]+)/,
      answerFile: ([, name]) => `${name}.txt`,
      act: () => page.locator('.notifications-toasts').innerText().catch(() => ''),
    },
    {
      // A click on a button of a notification toast, as a user would ("Cancel" on a progress).
      pattern: /__pgig_click_notification__:([\w-]+):(.*)$/,
      answerFile: ([, name]) => `${name}.done`,
      act: ([, , label]) =>
        page
          .locator('.notifications-toasts .notification-toast')
          .getByRole('button', { name: label, exact: true })
          .first()
          .click({ timeout: 20_000 })
          .then(() => ''),
    },
    {
      // A click on the first element a CSS selector finds, as a user's mouse would (links in a
      // hover or the Problems panel, which no API opens).
      pattern: /__pgig_click__:([\w-]+):(\d+):(.*)$/,
      answerFile: ([, name]) => `${name}.done`,
      act: ([, , timeout, selector]) =>
        page
          .locator(selector)
          .first()
          .click({ timeout: Number(timeout) })
          .then(() => ''),
    },
    {
      // The text a webview renders, read from its frame in the real browser DOM.
      pattern: /__pgig_webview_text__:([\w.-]+)/,
      answerFile: ([, name]) => `${name}.txt`,
      act: () => webviewText(page),
    },
    {
      // What overflows the monitor's cards, measured in the real layout.
      pattern: /__pgig_webview_overflow__:([\w.-]+)/,
      answerFile: ([, name]) => `${name}.json`,
      act: () => webviewOverflow(page),
    },
    {
      // Workbench elements matching a CSS selector, as JSON.
      pattern: /__pgig_page__:([\w.-]+):(.*)$/,
      answerFile: ([, name]) => `${name}.json`,
      act: ([, , selector]) => pageElements(page, selector),
    },
    {
      // A tree row hovered with the mouse: its tooltip's text, and a screenshot with the tooltip.
      pattern: /__pgig_hover__:([\w.-]+):(.*)$/,
      answerFile: ([, name]) => `${name}.txt`,
      act: ([, name, text]) => hoverTreeRow(page, name, text),
    },
  ];
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const text = format(...(Array.isArray(args) ? args : [args]));
    for (const request of BROWSER_REQUESTS) {
      const match = request.pattern.exec(text);
      if (!match) continue;
      const file = join(artifacts, request.answerFile(match));
      screenshotRequests.push(
        request
          .act(match)
          .then((answer) => writeFileSync(file, answer))
          .catch((error) => {
            console.error(`${match[0]} failed: ${error}`);
            writeFileSync(file, `error: ${error}`);
          }),
      );
      return;
    }
    if (!verbose && NOISE.test(text)) return;
    (console[type] ?? console.log)(text);
  });
  await page.exposeFunction('codeAutomationExit', (code) => finish(code));

  const url = workbenchUrl(server.port, {
    folder: workspace,
    extensionDevelopmentPath: root,
    extensionTestsPath: testsModule,
  });
  if (!existsSync(testsModule)) throw new Error(`${testsModule} is missing: run \`npm run build\` first`);
  console.log(`VS Code server build of code-server ${vscodeDir.match(/code-server-([\d.]+)/)?.[1] ?? '?'} on port ${server.port}; running the extension suite in headless Chromium`);
  await page.goto(url);
  const timeout = new Promise((resolve) =>
    setTimeout(() => {
      console.error(`the VS Code suite did not finish within ${TIMEOUT_MS / 1000} s`);
      resolve(1);
    }, TIMEOUT_MS).unref(),
  );
  exitCode = await Promise.race([finished, timeout]);
  if (exitCode !== 0) {
    await page.screenshot({ path: join(artifacts, 'failure.png') }).catch(() => {});
    // The extension's output channel and the host's logs, kept for reading after a failure.
    cpSync(join(work, 'data', 'user-data', 'logs'), join(artifacts, 'logs'), { recursive: true, force: true });
  }
  await Promise.all(screenshotRequests);
} catch (error) {
  console.error(error instanceof Error ? error.stack : String(error));
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
