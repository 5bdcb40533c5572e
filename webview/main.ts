// Browser side of the build monitor panel. Imports only src/shared and the @vscode-elements
// components it uses. The host posts HostToWebview messages; the panel keeps the last state with
// vscode.setState (it is not retained while hidden) and redraws from it when shown again.
// Each build's card is created once and updated in place, so focus (the Cancel button) and screen
// reader position survive the once-a-second updates.
import './lit-nonce';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import {
  describeRemaining,
  formatDuration,
  oneLine,
  OUTCOME_LABELS,
  type BuildView,
  type CancelStatus,
  type FinishedBuildView,
  type HostToWebview,
  type PanelState,
  type WebviewToHost,
} from '../src/shared/messages';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

// ---- small DOM helpers -------------------------------------------------------------------------

type Child = Node | string | null | undefined | false;

function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, string | boolean> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === false) continue;
    if (name === 'class') el.className = String(value);
    else el.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

function setAttr(el: Element, name: string, value: string | null): void {
  if (value === null) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

const numberFormat = new Intl.NumberFormat('en-US');
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

function cssId(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_');
}

function percentText(value: number): string {
  return `${value.toFixed(value >= 99.95 || value === 0 ? 0 : 1)}%`;
}

// ---- state and announcements ------------------------------------------------------------------

const initial: PanelState = { connection: { state: 'none' }, builds: [], recent: [], at: 0 };
let state: PanelState = { ...initial, ...((vscode.getState() as Partial<PanelState> | undefined) ?? {}) };
const cancelStates = new Map<number, CancelStatus>();

const announcer = document.getElementById('announcer') ?? document.body.appendChild(h('div', { id: 'announcer', class: 'visually-hidden', role: 'status', 'aria-live': 'polite' }));

/** Tells screen readers what changed, once: phases, waits, outcomes, every 25 %. */
function announce(text: string): void {
  announcer.textContent = '';
  // A fresh text node after clearing makes screen readers read it even when it repeats.
  window.setTimeout(() => {
    announcer.textContent = text;
  }, 50);
}

// ---- layout -----------------------------------------------------------------------------------

const root = document.getElementById('root') ?? document.body.appendChild(h('main', { id: 'root' }));
const connectionDot = h('span', { class: 'dot', 'aria-hidden': 'true' });
const connectionText = h('span', { class: 'connection-text' });
const updatedText = h('span', { class: 'updated' });
const refreshButton = h('vscode-button', { secondary: true, 'aria-label': 'Refresh the list of index builds' }, 'Refresh');
refreshButton.addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
const toolbar = h('header', { class: 'toolbar' }, h('div', { class: 'connection' }, connectionDot, connectionText), updatedText, refreshButton);

const buildsHeading = h('h2', { class: 'section-title', id: 'builds-heading' }, 'Index builds in progress');
const buildList = h('div', { class: 'build-list' });
const emptyState = h('div', { class: 'empty', hidden: true });
const buildsSection = h('section', { class: 'builds', 'aria-labelledby': 'builds-heading' }, buildsHeading, emptyState, buildList);

const recentBody = h('tbody', { role: 'rowgroup' });
const recentTable = h(
  'table',
  { class: 'recent-table', role: 'table' },
  h('caption', { class: 'visually-hidden' }, 'Recently finished index builds'),
  // Explicit roles: a narrow panel lays the rows out as wrapped lines (CSS display), which would drop the table semantics.
  h(
    'thead',
    { role: 'rowgroup' },
    h('tr', { role: 'row' }, ...['Outcome', 'Index', 'Table', 'Command', 'Duration', 'Ended', ''].map((label) => h('th', { scope: 'col', role: 'columnheader' }, label))),
  ),
  recentBody,
);
const recentEmpty = h('p', { class: 'muted' }, 'Builds that finish while this panel is open are listed here.');
const recentSection = h('vscode-collapsible', { class: 'recent', heading: 'Recent builds', open: true }, h('div', { class: 'recent-body' }, recentEmpty, recentTable));
const recentCount = h('vscode-badge', { slot: 'decorations', variant: 'counter' }, '0');
recentSection.append(recentCount);

root.replaceChildren(toolbar, buildsSection, recentSection);

// ---- one build --------------------------------------------------------------------------------

class BuildCard {
  readonly element: HTMLElement;
  private readonly badge: HTMLElement;
  private readonly title: HTMLElement;
  private readonly subtitle: HTMLElement;
  private readonly overallBar: HTMLElement;
  private readonly percent: HTMLElement;
  private readonly remaining: HTMLElement;
  private readonly elapsed: HTMLElement;
  private readonly waitBox: HTMLElement;
  private readonly waitTitle: HTMLElement;
  private readonly waitQuery: HTMLElement;
  private readonly phaseTitle: HTMLElement;
  private readonly phaseBar: HTMLElement;
  private readonly phaseCounter: HTMLElement;
  private readonly timeline: HTMLOListElement;
  private readonly details: HTMLElement;
  private readonly cancelButton: HTMLElement;
  private readonly cancelStatus: HTMLElement;
  private last: BuildView | null = null;

  constructor(private readonly build: BuildView) {
    const name = build.index ?? 'unnamed index';
    this.badge = h('vscode-badge', { class: 'build-badge' });
    this.title = h('h3', { class: 'build-title', id: `build-${cssId(build.id)}` });
    this.subtitle = h('span', { class: 'build-subtitle' });
    this.overallBar = h('vscode-progress-bar', { class: 'overall-bar', max: '100', 'aria-label': `Overall progress of ${name}` });
    this.percent = h('span', { class: 'percent' });
    this.remaining = h('span', { class: 'remaining' });
    this.elapsed = h('span', { class: 'elapsed' });
    this.waitTitle = h('span', { class: 'wait-title' });
    this.waitQuery = h('code', { class: 'wait-query' });
    this.waitBox = h('div', { class: 'wait', role: 'note', hidden: true }, this.waitTitle, this.waitQuery);
    this.phaseTitle = h('h4', { class: 'phase-title' });
    this.phaseBar = h('vscode-progress-bar', { class: 'phase-bar', max: '100', 'aria-label': `Progress of the current phase of ${name}` });
    this.phaseCounter = h('div', { class: 'phase-counter' });
    this.timeline = h('ol', { class: 'timeline', 'aria-label': `Phases of ${build.command}` });
    this.details = h('dl', { class: 'details' });
    this.cancelButton = h('vscode-button', { secondary: true, class: 'cancel', 'aria-label': `Cancel the build of ${name} (asks for confirmation)` }, 'Cancel Build…');
    this.cancelStatus = h('span', { class: 'cancel-status', 'aria-live': 'polite' });
    this.cancelButton.addEventListener('click', () => this.requestCancel());

    this.element = h(
      'section',
      { class: 'build', 'data-build-id': build.id, 'aria-labelledby': this.title.id },
      h('header', { class: 'build-header' }, this.title, this.subtitle, this.badge),
      h(
        'div',
        { class: 'build-body' },
        h('div', { class: 'overall' }, this.overallBar, h('div', { class: 'overall-line' }, this.percent, this.remaining, this.elapsed)),
        this.waitBox,
        h(
          'div',
          { class: 'columns' },
          h('div', { class: 'phase' }, this.phaseTitle, this.phaseBar, this.phaseCounter, this.timeline),
          h('div', { class: 'facts' }, this.details, h('div', { class: 'actions' }, this.cancelButton, this.cancelStatus)),
        ),
      ),
    );
  }

  update(build: BuildView): void {
    const previous = this.last;
    this.last = build;
    const name = build.index ?? 'unnamed index';
    setText(this.title, name);
    setText(this.subtitle, `on ${build.schema && build.schema !== 'public' ? `${build.schema}.` : ''}${build.table}${build.command ? ` · ${build.command}` : ''}`);
    this.element.classList.toggle('waiting', build.waiting);

    setText(this.badge, build.waiting ? 'waiting' : percentText(build.overallPercent));
    setAttr(this.overallBar, 'value', String(build.overallPercent));
    setAttr(this.overallBar, 'aria-valuetext', `${percentText(build.overallPercent)} of ${name}`);
    setText(this.percent, percentText(build.overallPercent));
    setText(this.remaining, describeRemaining(build, 200));
    this.remaining.classList.toggle('is-waiting', build.waiting);
    setText(this.elapsed, `elapsed ${formatDuration(build.elapsedSeconds)}`);

    const wait = build.waitingOn;
    this.waitBox.hidden = !build.waiting;
    if (build.waiting) {
      const lockers = build.lockers ? `Waiting for ${build.lockers.total - build.lockers.done} of ${build.lockers.total} ${build.lockers.total === 1 ? 'session' : 'sessions'}` : 'Waiting for a lock';
      const who = wait ? ` — now PID ${wait.pid}${wait.state && wait.state !== 'active' ? ` (${wait.state})` : ''}${wait.self ? ', this monitor' : ''}` : '';
      setText(this.waitTitle, `${lockers}${who}`);
      setText(this.waitQuery, wait ? (wait.self ? "This monitor's own query: it ends within milliseconds." : oneLine(wait.query ?? '(query not visible to this role)', 400)) : '');
      this.waitQuery.hidden = !wait;
    }

    const currentIndex = build.timeline.findIndex((s) => s.status === 'current');
    setText(this.phaseTitle, currentIndex >= 0 ? `Phase ${currentIndex + 1} of ${build.timeline.length}: ${build.phaseLabel}` : build.phaseLabel);
    if (build.phasePercent === null) {
      setAttr(this.phaseBar, 'value', null);
      setAttr(this.phaseBar, 'indeterminate', build.waiting ? null : '');
      this.phaseBar.hidden = build.waiting;
      setText(this.phaseCounter, build.waiting ? '' : 'No counter for this phase: PostgreSQL reports none while sorting.');
    } else {
      this.phaseBar.hidden = false;
      setAttr(this.phaseBar, 'indeterminate', null);
      setAttr(this.phaseBar, 'value', String(build.phasePercent));
      const counter = build.counter ? ` · ${numberFormat.format(build.counter.done)} of ${numberFormat.format(build.counter.total)} ${build.counter.kind}` : '';
      setText(this.phaseCounter, `${percentText(build.phasePercent)}${counter}`);
    }
    this.renderTimeline(build);
    this.renderDetails(build);
    this.renderCancel();

    if (previous && previous.phase !== build.phase) announce(`${name}: ${build.phaseLabel}${build.waiting ? `, ${describeRemaining(build, 80)}` : ''}`);
    else if (previous && Math.floor(previous.overallPercent / 25) < Math.floor(build.overallPercent / 25)) announce(`${name}: ${percentText(build.overallPercent)}`);
  }

  private renderTimeline(build: BuildView): void {
    const items = this.timeline.children;
    build.timeline.forEach((step, i) => {
      let li = items[i] as HTMLLIElement | undefined;
      if (!li) {
        li = h('li', {}, h('span', { class: 'marker', 'aria-hidden': 'true' }), h('span', { class: 'label' }), h('span', { class: 'visually-hidden state' }));
        this.timeline.append(li);
      }
      li.className = `step ${step.status}${step.waiting ? ' wait-step' : ''}`;
      setAttr(li, 'aria-current', step.status === 'current' ? 'step' : null);
      setAttr(li, 'title', step.phase);
      setText(li.querySelector('.marker')!, step.status === 'done' ? '✓' : step.status === 'current' ? '●' : '○');
      setText(li.querySelector('.label')!, step.label);
      setText(li.querySelector('.state')!, step.status === 'done' ? ' (done)' : step.status === 'current' ? ' (current)' : '');
    });
    while (this.timeline.children.length > build.timeline.length) this.timeline.lastElementChild!.remove();
  }

  private renderDetails(build: BuildView): void {
    const rows: Array<[string, string, boolean?]> = [
      ['Table', `${build.schema ? `${build.schema}.` : ''}${build.table}`],
      ['Index', build.index ?? '(named by PostgreSQL when it finishes)'],
      ['Command', build.command],
      ['Backend PID', String(build.pid)],
      ['Started', timeFormat.format(new Date(build.startedAt))],
    ];
    if (build.partitions) rows.push(['Partitions', `${build.partitions.done} of ${build.partitions.total}`]);
    if (build.database) rows.push(['Database', build.database]);
    if (build.query) rows.push(['Statement', oneLine(build.query, 300), true]);
    const key = JSON.stringify(rows);
    if (this.details.dataset['key'] === key) return;
    this.details.dataset['key'] = key;
    this.details.replaceChildren(...rows.flatMap(([term, value, code]) => [h('dt', {}, term), h('dd', {}, code ? h('code', { class: 'statement' }, value) : value)]));
  }

  renderCancel(): void {
    const status = cancelStates.get(this.build.pid);
    const busy = status === 'confirming' || status === 'cancelling' || status === 'cancelled';
    setAttr(this.cancelButton, 'disabled', busy ? '' : null);
    const text: Record<CancelStatus, string> = {
      confirming: 'Waiting for your confirmation…',
      cancelling: 'Cancelling…',
      cancelled: 'Cancel requested; the build stops at its next check.',
      declined: '',
      failed: 'Could not cancel (see the notification).',
    };
    setText(this.cancelStatus, status ? text[status] : '');
  }

  private requestCancel(): void {
    if (this.cancelButton.hasAttribute('disabled')) return;
    cancelStates.set(this.build.pid, 'confirming');
    this.renderCancel();
    vscode.postMessage({ type: 'cancelBuild', pid: this.build.pid, buildId: this.build.id });
  }
}

const cards = new Map<string, BuildCard>();

// ---- rendering --------------------------------------------------------------------------------

function renderConnection(): void {
  const { state: connection, label, message } = state.connection;
  connectionDot.dataset['state'] = connection;
  const text = {
    connected: `Connected${label ? ` to ${label}` : ''}`,
    connecting: `Connecting${label ? ` to ${label}` : ''}…`,
    reconnecting: `Reconnecting${label ? ` to ${label}` : ''}…`,
    disconnected: `Disconnected${label ? ` from ${label}` : ''}`,
    none: 'No database connection',
  }[connection];
  setText(connectionText, text);
  setAttr(connectionText, 'title', text);
  setText(updatedText, state.at && connection === 'connected' ? `Updated ${timeFormat.format(new Date(state.at))}` : '');
  document.body.dataset['connection'] = connection;

  if (state.builds.length > 0) {
    emptyState.hidden = true;
    return;
  }
  emptyState.hidden = false;
  const title =
    connection === 'connected'
      ? 'No index build is running'
      : connection === 'connecting'
        ? 'Connecting…'
        : connection === 'reconnecting'
          ? 'Reconnecting…'
          : connection === 'disconnected'
          ? 'Not connected'
          : 'No database connection';
  const detail =
    connection === 'connected'
      ? `Watching ${label ?? 'the database'}. Builds started by migrations, psql or anything else appear here within a second.`
      : connection === 'reconnecting'
        ? `The connection to ${label ?? 'the database'} was lost; the monitor is making it again by itself.${message ? ` Last: ${message}` : ''}`
        : connection === 'disconnected'
        ? (message ?? 'The connection to the database was lost. The monitor reconnects by itself.')
        : connection === 'connecting'
          ? (message ?? `Connecting to ${label ?? 'the database'}.`)
          : (message ?? 'Choose a database connection to watch index builds.');
  const key = `${title}\n${detail}`;
  if (emptyState.dataset['key'] === key) return;
  emptyState.dataset['key'] = key;
  emptyState.replaceChildren(h('p', { class: 'empty-title' }, title), h('p', { class: 'muted' }, detail));
  if (connection === 'disconnected') emptyState.append(retryButton());
}

function retryButton(): HTMLElement {
  const button = h('vscode-button', { 'aria-label': 'Try to connect again' }, 'Retry');
  button.addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
  return button;
}

function renderBuilds(): void {
  const ids = new Set(state.builds.map((b) => b.id));
  for (const [id, card] of cards) {
    if (!ids.has(id)) {
      card.element.remove();
      cards.delete(id);
    }
  }
  state.builds.forEach((build, i) => {
    let card = cards.get(build.id);
    if (!card) {
      card = new BuildCard(build);
      cards.set(build.id, card);
    }
    if (buildList.children[i] !== card.element) buildList.insertBefore(card.element, buildList.children[i] ?? null);
    card.update(build);
  });
  setText(buildsHeading, state.builds.length > 1 ? `Index builds in progress (${state.builds.length})` : 'Index builds in progress');
}

function renderRecent(): void {
  setText(recentCount, String(state.recent.length));
  recentTable.hidden = state.recent.length === 0;
  recentEmpty.hidden = state.recent.length > 0;
  const key = JSON.stringify(state.recent.map((r) => [r.build.id, r.outcome, r.leftover]));
  if (recentBody.dataset['key'] === key) return;
  recentBody.dataset['key'] = key;
  recentBody.replaceChildren(...state.recent.map(recentRow));
}

function recentRow(finished: FinishedBuildView): HTMLTableRowElement {
  const b = finished.build;
  const mark = { valid: '✓', invalid: '✕', cancelled: '■', failed: '✕', unknown: '?' }[finished.outcome];
  let action: HTMLElement | null = null;
  if (finished.leftover) {
    const { schema, index } = finished.leftover;
    action = h('vscode-button', { secondary: true, 'aria-label': `Drop the INVALID index ${schema}.${index} concurrently (asks for confirmation)` }, 'Drop INVALID Index…');
    action.addEventListener('click', () => vscode.postMessage({ type: 'dropInvalidIndex', schema, index }));
  }
  const cell = (className: string, ...content: Child[]) => h('td', { class: className, role: 'cell' }, ...content);
  return h(
    'tr',
    { class: `outcome-${finished.outcome}`, title: finished.detail, role: 'row' },
    cell('outcome', h('span', { class: 'outcome-mark', 'aria-hidden': 'true' }, mark), ` ${OUTCOME_LABELS[finished.outcome]}`),
    cell('index-name', b.index ?? '(unnamed)'),
    cell('table-name', b.table),
    cell('command muted', b.command),
    cell('numeric', formatDuration(finished.durationSeconds)),
    cell('ended muted nowrap', timeFormat.format(new Date(finished.finishedAt))),
    cell('row-action', action),
  );
}

function render(): void {
  renderBuilds();
  renderConnection();
  renderRecent();
}

// ---- messages ---------------------------------------------------------------------------------

function handle(message: HostToWebview): void {
  switch (message.type) {
    case 'connection': {
      const before = state.connection.state;
      state = { ...state, connection: { state: message.state, ...(message.label !== undefined ? { label: message.label } : {}), ...(message.message !== undefined ? { message: message.message } : {}) } };
      if (before !== message.state) announce({ connected: 'Connected', connecting: 'Connecting', reconnecting: 'Connection lost, reconnecting', disconnected: 'Disconnected from the database', none: 'No database connection' }[message.state]);
      break;
    }
    case 'builds': {
      const knownFinished = new Set(state.recent.map((r) => r.build.id));
      for (const finished of message.recent) {
        if (!knownFinished.has(finished.build.id) && state.at !== 0) announce(`${finished.build.index ?? 'Index build'}: ${OUTCOME_LABELS[finished.outcome]}. ${finished.detail}`);
      }
      const running = new Set(message.builds.map((b) => b.pid));
      for (const pid of cancelStates.keys()) if (!running.has(pid)) cancelStates.delete(pid);
      state = { ...state, builds: message.builds, recent: message.recent, at: message.at };
      break;
    }
    case 'cancelStatus':
      if (message.status === 'declined') cancelStates.delete(message.pid);
      else cancelStates.set(message.pid, message.status);
      for (const card of cards.values()) card.renderCancel();
      if (message.message) announce(message.message);
      return;
  }
  vscode.setState(state);
  render();
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const data = event.data as { type?: unknown } | null;
  if (!data || typeof data !== 'object' || typeof data.type !== 'string') return;
  handle(data as HostToWebview);
});

render();
vscode.postMessage({ type: 'ready' });
