// The build monitor panel in a real browser, without VS Code: the webview bundle is built, served
// by a local HTTP server in the page renderPanelHtml() makes (its CSP included), with the API a
// VS Code webview gets (acquireVsCodeApi) and the CSS variables of a light and a dark theme. The
// messages are BuildViews the progress model computes from a recorded build. VS Code itself is
// checked by the lead's suite; this one checks content, keyboard, state, CSP and looks.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
// @ts-expect-error plain ESM helper shared with the test runner
import { CHROMIUM_ARGS } from '../../scripts/vscode-server.mjs';
import { BuildTracker } from '../../src/db/progress/progress-model';
import { recordedConcurrentBuild, RECORDED_PIDS } from '../../src/db/progress/testing/recorded-builds';
import { renderPanelHtml, type BuildView, type FinishedBuildView, type HostToWebview } from '../../src/shared/messages';

const root = resolve(__dirname, '../..');
const artifacts = join(root, 'test-artifacts');
const buildDir = mkdtempSync(join(tmpdir(), 'pgig-webview-'));
let server: Server;
let origin = '';
let browser: Browser;

/** The variables VS Code sets for its default themes (Light Modern, Dark Modern), as far as the panel and its components use them. */
const THEMES: Record<'light' | 'dark', Record<string, string>> = {
  light: {
    'font-family': '-apple-system, BlinkMacSystemFont, "Segoe WPC", "Segoe UI", "Ubuntu", "Droid Sans", sans-serif',
    'font-size': '13px',
    'font-weight': 'normal',
    'editor-font-family': '"Droid Sans Mono", "monospace", monospace',
    foreground: '#3b3b3b',
    descriptionForeground: '#717171',
    errorForeground: '#f85149',
    'editor-background': '#ffffff',
    'editor-foreground': '#3b3b3b',
    'sideBar-background': '#f8f8f8',
    'sideBarTitle-foreground': '#3b3b3b',
    'sideBarSectionHeader-background': '#f8f8f8',
    'sideBarSectionHeader-foreground': '#3b3b3b',
    'panel-border': '#e5e5e5',
    'widget-border': '#e5e5e5',
    focusBorder: '#005fb8',
    'icon-foreground': '#424242',
    'button-background': '#005fb8',
    'button-foreground': '#ffffff',
    'button-hoverBackground': '#0258a8',
    'button-border': 'rgba(0, 0, 0, 0.1)',
    'button-secondaryBackground': '#e5e5e5',
    'button-secondaryForeground': '#3b3b3b',
    'button-secondaryHoverBackground': '#cccccc',
    'badge-background': '#cccccc',
    'badge-foreground': '#3b3b3b',
    'progressBar-background': '#005fb8',
    'textCodeBlock-background': '#f8f8f8',
    'textPreformat-background': 'rgba(0, 0, 0, 0.12)',
    'textPreformat-foreground': '#3b3b3b',
    'textBlockQuote-background': '#f8f8f8',
    'textLink-foreground': '#005fb8',
    'list-hoverBackground': '#f2f2f2',
    'list-inactiveSelectionBackground': '#e4e6f1',
    'testing-iconPassed': '#388a34',
    'editorWarning-foreground': '#bf8803',
    'inputValidation-errorBorder': '#be1100',
  },
  dark: {
    'font-family': '-apple-system, BlinkMacSystemFont, "Segoe WPC", "Segoe UI", "Ubuntu", "Droid Sans", sans-serif',
    'font-size': '13px',
    'font-weight': 'normal',
    'editor-font-family': '"Droid Sans Mono", "monospace", monospace',
    foreground: '#cccccc',
    descriptionForeground: '#9d9d9d',
    errorForeground: '#f85149',
    'editor-background': '#1f1f1f',
    'editor-foreground': '#cccccc',
    'sideBar-background': '#181818',
    'sideBarTitle-foreground': '#cccccc',
    'sideBarSectionHeader-background': '#181818',
    'sideBarSectionHeader-foreground': '#cccccc',
    'panel-border': '#2b2b2b',
    'widget-border': '#313131',
    focusBorder: '#0078d4',
    'icon-foreground': '#cccccc',
    'button-background': '#0078d4',
    'button-foreground': '#ffffff',
    'button-hoverBackground': '#026ec1',
    'button-border': 'rgba(255, 255, 255, 0.07)',
    'button-secondaryBackground': '#313131',
    'button-secondaryForeground': '#cccccc',
    'button-secondaryHoverBackground': '#3c3c3c',
    'badge-background': '#616161',
    'badge-foreground': '#f8f8f8',
    'progressBar-background': '#0078d4',
    'textCodeBlock-background': '#2b2b2b',
    'textPreformat-background': '#3c3c3c',
    'textPreformat-foreground': '#d0d0d0',
    'textBlockQuote-background': '#2b2b2b',
    'textLink-foreground': '#4daafc',
    'list-hoverBackground': '#2a2d2e',
    'list-inactiveSelectionBackground': '#37373d',
    'testing-iconPassed': '#73c991',
    'editorWarning-foreground': '#cca700',
    'inputValidation-errorBorder': '#be1100',
  },
};

/** VS Code's own webview defaults (it injects them into every webview) plus the theme's variables. */
function themeCss(theme: 'light' | 'dark'): string {
  const vars = Object.entries(THEMES[theme])
    .map(([name, value]) => `  --vscode-${name}: ${value};`)
    .join('\n');
  return `html {\n${vars}\n  background: var(--vscode-editor-background);\n}
body { background-color: transparent; color: var(--vscode-editor-foreground); font-family: var(--vscode-font-family);
  font-weight: var(--vscode-font-weight); font-size: var(--vscode-font-size); margin: 0; padding: 0 20px; }
code { font-family: var(--vscode-editor-font-family); }\n`;
}

/** The browser API of a VS Code webview: acquireVsCodeApi (once), state kept across reloads like VS Code keeps it. */
const FAKE_VSCODE_API = `(() => {
  const KEY = 'pgig-webview-state';
  window.__posted = [];
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
    acquired = true;
    return Object.freeze({
      postMessage: (message) => { window.__posted.push(JSON.parse(JSON.stringify(message))); },
      getState: () => { const s = sessionStorage.getItem(KEY); return s === null ? undefined : JSON.parse(s); },
      setState: (state) => { sessionStorage.setItem(KEY, JSON.stringify(state)); return state; },
    });
  };
})();
`;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  await build({
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'esm',
    logLevel: 'warning',
    entryPoints: [join(root, 'webview/main.ts')],
    outfile: join(buildDir, 'webview.js'),
  });
  const files: Record<string, [string, string]> = {
    '/webview.js': ['text/javascript', readFileSync(join(buildDir, 'webview.js'), 'utf8')],
    '/monitor.css': ['text/css', readFileSync(join(root, 'media/monitor.css'), 'utf8')],
    '/theme-light.css': ['text/css', themeCss('light')],
    '/theme-dark.css': ['text/css', themeCss('dark')],
    '/vscode-api.js': ['text/javascript', FAKE_VSCODE_API],
  };
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/') {
      const nonce = randomBytes(18).toString('base64');
      const theme = url.searchParams.get('theme') === 'light' ? 'light' : 'dark';
      let html = renderPanelHtml({ cspSource: origin, nonce, scriptUri: `${origin}/webview.js`, styleUri: `${origin}/monitor.css` });
      // What VS Code puts around a webview's own page: its theme and the API script.
      html = html.replace(
        '</head>',
        `<link rel="stylesheet" href="${origin}/theme-${theme}.css"><script nonce="${nonce}" src="${origin}/vscode-api.js"></script>\n</head>`,
      );
      html = html.replace('<body>', `<body class="vscode-${theme}">`);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      return;
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end(); // the browser asks; a webview does not
      return;
    }
    const file = files[url.pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file[0] }).end(file[1]);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
});

after(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  rmSync(buildDir, { recursive: true, force: true });
});

// ---- messages from the progress model ----

function recordedViews(): BuildView[] {
  const recorded = recordedConcurrentBuild();
  const tracker = new BuildTracker(recorded[0]!.sample, recorded[0]!.at);
  return recorded.map(({ sample, at }) => tracker.update(sample, at, { monitorPid: RECORDED_PIDS.monitor }).view);
}

const views = recordedViews();
const waiting = views[8]!;
const loading = views.find((v) => v.phase === 'building index: loading tuples in tree' && (v.phasePercent ?? 0) > 50)!;
/** A second build, replayed from the same recording on another table. */
const secondWaiting: BuildView = {
  ...waiting,
  id: '7011:1',
  pid: 7011,
  table: 'conversations',
  index: 'index_conversations_on_account_id_and_status',
  query: 'CREATE INDEX CONCURRENTLY index_conversations_on_account_id_and_status ON conversations (account_id, status)',
};
const recent: FinishedBuildView[] = [
  {
    build: { ...views[views.length - 1]!, index: 'index_contacts_on_email', table: 'contacts', id: '6900:1' },
    outcome: 'cancelled',
    finishedAt: views[0]!.startedAt - 60_000,
    durationSeconds: 754,
    leftover: { schema: 'public', index: 'index_contacts_on_email' },
    detail: 'Cancelled. It left the INVALID index index_contacts_on_email behind: drop it concurrently.',
  },
  {
    build: { ...views[views.length - 1]!, index: 'index_notifications_on_user_id', table: 'notifications', id: '6800:1' },
    outcome: 'valid',
    finishedAt: views[0]!.startedAt - 600_000,
    durationSeconds: 95,
    leftover: null,
    detail: 'The index index_notifications_on_user_id is valid.',
  },
];
const LABEL = 'app_development on localhost:5432';

interface PageProbe {
  page: Page;
  violations: string[];
  errors: string[];
}

async function openPanel(theme: 'light' | 'dark'): Promise<PageProbe> {
  const page = await browser.newPage({ viewport: { width: 980, height: 900 } });
  const violations: string[] = [];
  const errors: string[] = [];
  page.on('console', (message) => {
    const text = message.text();
    if (/Refused to|Content Security Policy/i.test(text)) violations.push(text);
    else if (message.type() === 'error') errors.push(text);
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => {
    console.error('Refused to load (securitypolicyviolation): ' + e.violatedDirective + ' ' + e.blockedURI);
  });`);
  await page.goto(`${origin}/?theme=${theme}`);
  await page.waitForFunction(`window.__posted.some((m) => m.type === 'ready')`);
  return { page, violations, errors };
}

// (The page's globals are reached through strings: this file is type-checked without the DOM lib.)
/** Posts like the host does, and resolves once the panel has handled it (and Lit has rendered). */
function post(page: Page, message: HostToWebview): Promise<void> {
  return page.evaluate(`new Promise((resolve) => {
    window.addEventListener('message', () => setTimeout(resolve, 0), { once: true });
    window.postMessage(${JSON.stringify(message)}, '*');
  })`);
}

function posted(page: Page): Promise<Array<Record<string, unknown>>> {
  return page.evaluate('window.__posted');
}

/** The element has focus (its own, the custom element host). */
function hasFocus(locator: ReturnType<Page['locator']>): Promise<boolean> {
  return locator.evaluate((el) => (el.ownerDocument as unknown as { activeElement: unknown }).activeElement === el);
}

async function showBuilds(page: Page, builds: BuildView[]): Promise<void> {
  await post(page, { type: 'connection', state: 'connected', label: LABEL });
  await post(page, { type: 'builds', builds, recent, at: builds[0]?.startedAt ?? Date.now() });
}

test('the panel shows a running and a waiting build with their phases, percents and who they wait for', async () => {
  const { page, violations, errors } = await openPanel('dark');
  try {
    await showBuilds(page, [loading, secondWaiting]);
    const first = page.locator(`section.build[data-build-id="${loading.id}"]`);
    const second = page.locator(`section.build[data-build-id="${secondWaiting.id}"]`);
    await first.waitFor();
    assert.equal(await page.locator('section.build').count(), 2);

    // the running build
    assert.equal(await first.locator('h3').textContent(), 'index_messages_on_conversation_id');
    assert.equal(await first.locator('.build-subtitle').textContent(), 'on messages · CREATE INDEX CONCURRENTLY');
    assert.equal(await page.getByRole('region', { name: 'index_messages_on_conversation_id' }).count(), 1);
    assert.equal((await first.locator('.percent').textContent())!, `${loading.overallPercent.toFixed(1)}%`);
    assert.match((await first.locator('.remaining').textContent())!, /^about \d+s left$/);
    assert.equal(await first.locator('.phase-title').textContent(), 'Phase 5 of 10: Build: load tree');
    assert.match((await first.locator('.phase-counter').textContent())!, /^\d+\.\d% · [\d,]+ of 2,500,000 tuples$/);
    assert.equal(await first.locator('.timeline li[aria-current="step"] .label').textContent(), 'Build: load tree');
    assert.equal(await first.locator('.timeline li.done').count(), 4);
    assert.equal(await first.locator('.overall-bar').getAttribute('value'), String(loading.overallPercent));
    assert.match((await first.locator('.details').textContent())!, /Tablepublic\.messages.*Backend PID6067/);
    assert.equal(await first.locator('.wait').isVisible(), false);

    // the waiting one: "waiting on PID n: <query>" instead of a time
    assert.equal(await second.locator('.remaining').textContent(), 'waiting on PID 6071 (idle in transaction): UPDATE messages SET status = status WHERE id = 7');
    assert.equal(await second.locator('.wait-title').textContent(), 'Waiting for 1 of 1 session — now PID 6071 (idle in transaction)');
    assert.equal(await second.locator('.wait-query').textContent(), 'UPDATE messages SET status = status WHERE id = 7');
    assert.equal(await second.locator('vscode-badge').first().textContent(), 'waiting');
    assert.equal(await second.locator('.timeline li[aria-current="step"] .label').textContent(), 'Wait for writers (build)');

    // recent builds with outcomes, and the leftover's drop action
    const rows = page.locator('.recent-table tbody tr');
    assert.equal(await rows.count(), 2);
    assert.match((await rows.nth(0).textContent())!, /Cancelled.*index_contacts_on_email.*contacts.*12m 34s/);
    assert.match((await rows.nth(1).textContent())!, /Valid.*index_notifications_on_user_id/);
    await rows.nth(0).locator('vscode-button').click();
    assert.deepEqual((await posted(page)).at(-1), { type: 'dropInvalidIndex', schema: 'public', index: 'index_contacts_on_email' });

    // themed only through the variables: the text is the theme's foreground
    assert.equal(await page.evaluate('getComputedStyle(document.body).color'), 'rgb(204, 204, 204)');
    assert.deepEqual(violations, []);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('Cancel is reachable with the keyboard, posts cancelBuild, and keeps focus through updates', async () => {
  const { page, violations, errors } = await openPanel('dark');
  try {
    await showBuilds(page, [loading]);
    const card = page.locator(`section.build[data-build-id="${loading.id}"]`);
    const cancel = card.locator('vscode-button.cancel');
    await cancel.waitFor();
    // Tab from the top of the page until the Cancel button has focus.
    let reached = false;
    for (let i = 0; i < 12 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await hasFocus(cancel);
    }
    assert.ok(reached, 'Tab reaches the Cancel button');
    assert.match((await cancel.getAttribute('aria-label'))!, /Cancel the build of index_messages_on_conversation_id/);

    // the next second's update must not steal focus
    const later = views[views.indexOf(loading) + 1]!;
    await post(page, { type: 'builds', builds: [later], recent, at: later.startedAt });
    assert.ok(await hasFocus(cancel), 'focus stays on Cancel after an update');

    await page.keyboard.press('Enter');
    assert.deepEqual((await posted(page)).at(-1), { type: 'cancelBuild', pid: RECORDED_PIDS.builder, buildId: loading.id });
    assert.equal(await cancel.getAttribute('disabled'), '');
    assert.equal(await card.locator('.cancel-status').textContent(), 'Waiting for your confirmation…');
    // a second Enter while the host asks does nothing
    await page.keyboard.press('Enter');
    assert.equal((await posted(page)).filter((m) => m['type'] === 'cancelBuild').length, 1);

    // the user says no in the host's dialog: the button comes back
    await post(page, { type: 'cancelStatus', pid: RECORDED_PIDS.builder, status: 'declined' });
    assert.equal(await cancel.getAttribute('disabled'), null);
    await cancel.click();
    await post(page, { type: 'cancelStatus', pid: RECORDED_PIDS.builder, status: 'cancelled' });
    assert.equal(await card.locator('.cancel-status').textContent(), 'Cancel requested; the build stops at its next check.');
    assert.deepEqual(violations, []);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('empty, disconnected, and restored from saved state after a reload', async () => {
  const { page, violations, errors } = await openPanel('light');
  try {
    await post(page, { type: 'connection', state: 'connected', label: LABEL });
    await post(page, { type: 'builds', builds: [], recent: [], at: Date.now() });
    const empty = page.locator('.empty');
    assert.equal(await empty.locator('.empty-title').textContent(), 'No index build is running');
    assert.match((await empty.textContent())!, /Watching app_development on localhost:5432/);
    assert.match((await page.locator('.connection-text').textContent())!, /^Connected to app_development on localhost:5432$/);
    await page.screenshot({ path: join(artifacts, 'monitor-empty-light.png') });

    await post(page, { type: 'connection', state: 'disconnected', label: LABEL, message: 'The connection to the server was lost. The monitor reconnects by itself.' });
    assert.equal(await empty.locator('.empty-title').textContent(), 'Not connected');
    assert.match((await empty.textContent())!, /connection to the server was lost/);
    await empty.locator('vscode-button').click();
    assert.deepEqual((await posted(page)).at(-1), { type: 'refresh' });

    // hidden and shown again: VS Code reloads the page; it draws the saved state before any message
    await post(page, { type: 'connection', state: 'connected', label: LABEL });
    await showBuilds(page, [waiting]);
    await page.reload();
    await page.locator('section.build').first().waitFor();
    const types = (await posted(page)).map((m) => m['type']);
    assert.deepEqual(types, ['ready'], 'nothing but ready was posted after the reload');
    assert.match((await page.locator('.remaining').first().textContent())!, /^waiting on PID 6071/);
    assert.deepEqual(violations, []);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

for (const theme of ['light', 'dark'] as const) {
  test(`screenshot in the ${theme} theme, with no CSP violation`, async () => {
    const { page, violations, errors } = await openPanel(theme);
    try {
      await showBuilds(page, [loading, secondWaiting]);
      await page.locator('.recent-table tbody tr').first().waitFor();
      // let the determinate bars finish their 100 ms transition
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(artifacts, `monitor-${theme}.png`), fullPage: true });
      const background = await page.evaluate('getComputedStyle(document.documentElement).backgroundColor');
      assert.equal(background, theme === 'light' ? 'rgb(255, 255, 255)' : 'rgb(31, 31, 31)');
      assert.deepEqual(violations, []);
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });
}

test('renderPanelHtml: a strict CSP, the nonce on the script, nothing remote', () => {
  const html = renderPanelHtml({
    cspSource: 'https://*.vscode-cdn.net',
    nonce: 'abcdefghijklmnopqrstuv',
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js',
    styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/monitor.css',
  });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!.replace(/&#39;/g, "'");
  assert.equal(
    csp,
    "default-src 'none'; style-src https://*.vscode-cdn.net 'nonce-abcdefghijklmnopqrstuv'; script-src 'nonce-abcdefghijklmnopqrstuv'; font-src https://*.vscode-cdn.net; img-src https://*.vscode-cdn.net data:",
  );
  assert.match(html, /<script type="module" nonce="abcdefghijklmnopqrstuv" src="https:\/\/file\+\.vscode-resource\.vscode-cdn\.net\/ext\/dist\/webview\.js"><\/script>/);
  assert.doesNotMatch(html, /<script(?![^>]*nonce=)/);
  assert.doesNotMatch(html, /style="/);
  assert.throws(() => renderPanelHtml({ cspSource: 'x', nonce: 'short', scriptUri: '', styleUri: '' }), /nonce/);
  assert.throws(() => renderPanelHtml({ cspSource: "x; script-src 'unsafe-inline'", nonce: 'abcdefghijklmnopqrstuv', scriptUri: '', styleUri: '' }), /cspSource/);
});
