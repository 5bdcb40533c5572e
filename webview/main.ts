// Browser side of the build monitor panel. Imports only src/shared.
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import type { BuildView, HostToWebview, WebviewToHost } from '../src/shared/messages';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('root')!;

function text(tag: string, content: string, className?: string): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = content;
  if (className) el.className = className;
  return el;
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes}m ${Math.round(seconds % 60)}s` : `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

function renderBuild(build: BuildView): HTMLElement {
  const card = document.createElement('section');
  card.className = 'build';
  card.setAttribute('aria-label', `Index build ${build.index} on ${build.table}`);
  card.append(text('h2', `${build.index} on ${build.table}`));
  card.append(text('p', `${build.command} · ${build.phase}`, 'phase'));
  const bar = document.createElement('vscode-progress-bar') as HTMLElement & { value?: number; max?: number };
  if (build.overallPercent !== null) {
    bar.setAttribute('value', String(build.overallPercent));
    bar.setAttribute('max', '100');
  } else {
    bar.setAttribute('indeterminate', '');
  }
  card.append(bar);
  const eta = build.waitingOn
    ? `waiting on PID ${build.waitingOn.pid}: ${build.waitingOn.query}`
    : build.etaSeconds !== null
      ? `about ${formatSeconds(build.etaSeconds)} left`
      : 'estimating…';
  card.append(text('p', `${build.overallPercent ?? '?'}% · elapsed ${formatSeconds(build.elapsedSeconds)} · ${eta}`, 'eta'));
  return card;
}

function render(builds: BuildView[]): void {
  root.replaceChildren();
  if (builds.length === 0) {
    root.append(text('p', 'No index build is running.', 'empty'));
    return;
  }
  for (const build of builds) root.append(renderBuild(build));
}

window.addEventListener('message', (event: MessageEvent<HostToWebview>) => {
  const message = event.data;
  if (message.type === 'builds') {
    vscode.setState({ builds: message.builds });
    render(message.builds);
  }
});

const saved = vscode.getState() as { builds?: BuildView[] } | undefined;
render(saved?.builds ?? []);
vscode.postMessage({ type: 'ready' });
