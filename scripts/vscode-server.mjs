// Starts the VS Code server build (from code-server@4.100.3, see TESTING.md) and opens
// it in Debian's Chromium through playwright-core. Used by the test runner and `npm start`.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

export function ensureVsCodeServer() {
  return execFileSync('bash', [join(root, 'scripts/ensure-vscode-server.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** User settings that make an unattended run possible (no trust prompt, no telemetry, no welcome page). */
export const UNATTENDED_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'git.enabled': false,
  'chat.disableAIFeatures': true,
};

/**
 * Starts the server; resolves once it prints "Web UI available at".
 * Returns { port, process, stop() }.
 */
export async function startVsCodeServer({ vscodeDir, dataDir, port, settings = {}, env = {}, log = () => {} }) {
  port ??= await freePort();
  const userDataDir = join(dataDir, 'user-data');
  const serverDataDir = join(dataDir, 'server-data');
  for (const dir of [join(userDataDir, 'User'), join(serverDataDir, 'data', 'User'), join(serverDataDir, 'data', 'Machine')]) {
    mkdirSync(dir, { recursive: true });
    if (dir.endsWith('User')) writeFileSync(join(dir, 'settings.json'), JSON.stringify({ ...UNATTENDED_SETTINGS, ...settings }, null, 2));
  }
  const child = spawn(
    process.execPath,
    [
      join(vscodeDir, 'out/server-main.js'),
      '--host', '127.0.0.1',
      '--port', String(port),
      '--without-connection-token',
      '--accept-server-license-terms',
      '--disable-telemetry',
      '--user-data-dir', userDataDir,
      '--server-data-dir', serverDataDir,
      '--extensions-dir', join(serverDataDir, 'extensions'),
    ],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        resolve();
      }
      setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {}
      }, 5000).unref();
    });
  await new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`VS Code server did not start within 60 s:\n${output}`)), 60_000);
    const onData = (chunk) => {
      const text = chunk.toString();
      output += text;
      log(text);
      if (/Web UI available at/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => log(chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`VS Code server exited with ${code}:\n${output}`));
    });
  });
  return { port, process: child, stop };
}

export function workbenchUrl(port, { folder, extensionDevelopmentPath, extensionTestsPath }) {
  const remote = (path) => `vscode-remote://127.0.0.1:${port}${path}`;
  const payload = [['skipWelcome', 'true']];
  if (extensionDevelopmentPath) payload.unshift(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.splice(1, 0, ['extensionTestsPath', remote(extensionTestsPath)]);
  return `http://127.0.0.1:${port}/?folder=${encodeURIComponent(remote(folder))}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}
