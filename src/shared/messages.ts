// Typed messages between the extension host and the build monitor webview.
// Both sides import only this file, so a change of shape fails the type check on both.

export interface BuildView {
  pid: number;
  table: string;
  index: string;
  command: string;
  phase: string;
  /** 0..100 of the current phase, null when PostgreSQL reports no counters for it. */
  phasePercent: number | null;
  overallPercent: number | null;
  elapsedSeconds: number;
  etaSeconds: number | null;
  waitingOn: { pid: number; query: string } | null;
}

export type HostToWebview =
  | { type: 'connection'; state: 'connected' | 'disconnected' | 'connecting' | 'none'; label?: string; message?: string }
  | { type: 'builds'; builds: BuildView[]; at: number };

export type WebviewToHost = { type: 'ready' } | { type: 'cancelBuild'; pid: number } | { type: 'refresh' };
