// `npm run bench -- monitor`: what watching index builds costs and how well it tells.
//  - Overhead: round trip of the monitor's one query per tick, and CPU of the monitoring
//    backend (/proc/<pid>/stat of the server process), idle, with 1 and with 5 concurrent builds.
//  - Detection latency: how long after a phase starts (seen by a connection polling the
//    progress view back to back) the monitor's phase-changed event fires, per poll interval.
//  - ETA: the ETA shown when the overall percent passes 25 %, 50 % and 75 %, against the time
//    the build really took to finish, for CREATE INDEX CONCURRENTLY on a few million rows.
// Figures only; nothing is asserted. Option: --rows <n> rows of the big table (default 5,000,000;
// the five small ones get a fifth of that each).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { ProgressMonitor, type TickEvent } from '../../src/db/progress/progress-monitor';
import { phasesFor } from '../../src/db/progress/progress-model';
import { MonitorSession } from '../../src/db/session';
import { startBenchDatabase } from './postgres';
import type { BenchSection } from './section';
import { count, median, ms, percentile, printTable, type Row } from './table';

const DB = 'monitor_bench';

export const monitorSection: BenchSection = {
  name: 'monitor',
  description: 'build monitor: query cost per tick, backend CPU, phase detection latency, ETA error',
  async run(args) {
    const { values } = parseArgs({ args, strict: false, options: { rows: { type: 'string' } } });
    const rows = Math.max(100_000, Number(values.rows ?? 5_000_000));
    const db = await startBenchDatabase(DB);
    const connect = db.connect;
    try {
      const admin = await connect();
      console.log(`${await db.describe()}, default settings`);
      let t0 = performance.now();
      await admin.query(`CREATE TABLE big (id bigint NOT NULL, conversation_id bigint NOT NULL, status int NOT NULL)`);
      await admin.query(`INSERT INTO big SELECT g, (g::bigint * 7919) % 100000, g % 10 FROM generate_series(1, $1::int) g`, [rows]);
      const perSmall = Math.round(rows / 5);
      for (let i = 1; i <= 5; i++) {
        await admin.query(`CREATE TABLE small_${i} (id bigint NOT NULL, account_id bigint NOT NULL)`);
        await admin.query(`INSERT INTO small_${i} SELECT g, (g::bigint * 31) % 5000 FROM generate_series(1, $1::int) g`, [perSmall]);
      }
      await admin.query('VACUUM ANALYZE');
      console.log(`seeded big (${count(rows)} rows) and small_1..small_5 (${count(perSmall)} rows each) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

      const session = new MonitorSession({ target: { connectionString: db.url }, reconnect: false });
      const outcome = await session.connect();
      if (!outcome.ok) throw new Error(`monitor session: ${outcome.error.title}`);
      try {
        await overhead(session, connect, admin);
        await detectionLatency(session, connect, admin);
        await etaError(session, connect, admin, rows);
      } finally {
        await session.close();
      }
    } finally {
      await db.close();
    }
  },
};

type Connect = () => Promise<pg.Client>;

/** utime + stime of a process, in milliseconds (Linux /proc). */
export function cpuMsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // after "(comm)": state is field 3, utime 14, stime 15 (1-based) -> indexes 11 and 12 here
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / clockTicks();
  } catch {
    return null;
  }
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Starts a statement on its own connection; resolves with the server time it ended (epoch ms). */
async function startBuild(connect: Connect, sql: string, settings: string[] = []): Promise<{ done: Promise<number>; client: pg.Client }> {
  const client = await connect();
  for (const setting of settings) await client.query(setting);
  const done = client.query(sql).then(async () => {
    const { rows } = await client.query<{ now: number }>('SELECT extract(epoch FROM clock_timestamp()) * 1000 AS now');
    return Number(rows[0]!.now);
  });
  return { done, client };
}

/** Ticks the monitor back to back every `intervalMs` until `until` settles; returns the ticks. */
async function tickWhile(monitor: ProgressMonitor, intervalMs: number, until: Promise<unknown>): Promise<TickEvent[]> {
  let settled = false;
  void until.finally(() => (settled = true));
  const ticks: TickEvent[] = [];
  while (!settled) {
    const tick = await monitor.poll();
    if (tick) ticks.push(tick);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return ticks;
}

async function overhead(session: MonitorSession, connect: Connect, admin: pg.Client): Promise<void> {
  const pid = session.backendPid!;
  const table: Row[] = [];
  const measure = async (label: string, work: () => Promise<TickEvent[]>) => {
    const cpuBefore = cpuMsOf(pid);
    const wallBefore = performance.now();
    const ticks = await work();
    const cpuAfter = cpuMsOf(pid);
    const times = ticks.map((t) => t.queryMs).sort((a, b) => a - b);
    const cpuPerTick = cpuBefore !== null && cpuAfter !== null ? (cpuAfter - cpuBefore) / ticks.length : null;
    table.push({
      case: label,
      ticks: String(ticks.length),
      'builds seen': String(Math.max(0, ...ticks.map((t) => t.builds.length))),
      'query median': ms(median(times)),
      'query p95': ms(percentile(times, 95)),
      'query max': ms(times[times.length - 1] ?? NaN),
      'backend CPU/tick': cpuPerTick === null ? 'n/a' : ms(cpuPerTick),
      'CPU at 1 s polling': cpuPerTick === null ? 'n/a' : `${((cpuPerTick / 1000) * 100).toFixed(3)} %`,
      wall: `${((performance.now() - wallBefore) / 1000).toFixed(1)} s`,
    });
  };

  const monitor = new ProgressMonitor(session);
  await measure('idle (no build)', async () => {
    const ticks: TickEvent[] = [];
    for (let i = 0; i < 300; i++) {
      const tick = await monitor.poll();
      if (tick) ticks.push(tick);
    }
    return ticks;
  });
  await measure('1 build (CIC, big)', async () => {
    const build = await startBuild(connect, 'CREATE INDEX CONCURRENTLY bench_one ON big (conversation_id)');
    return tickWhile(monitor, 20, build.done);
  });
  await admin.query('DROP INDEX bench_one');
  await measure('5 concurrent builds (CIC, small_1..5)', async () => {
    const builds = await Promise.all([1, 2, 3, 4, 5].map((i) => startBuild(connect, `CREATE INDEX CONCURRENTLY bench_five_${i} ON small_${i} (account_id)`)));
    return tickWhile(monitor, 20, Promise.all(builds.map((b) => b.done)));
  });
  for (let i = 1; i <= 5; i++) await admin.query(`DROP INDEX bench_five_${i}`);
  monitor.dispose();
  printTable(
    'Monitor overhead (one query per tick over the read-only session; ticks back to back with 20 ms pauses; CPU from /proc/<backend pid>/stat, 10 ms resolution averaged over all ticks)',
    table,
    ['ticks', 'builds seen', 'query median', 'query p95', 'query max', 'backend CPU/tick', 'CPU at 1 s polling', 'wall'],
  );
}

async function detectionLatency(session: MonitorSession, connect: Connect, admin: pg.Client): Promise<void> {
  const table: Row[] = [];
  const shares = new Map<string, number[]>();
  for (const intervalMs of [100, 250, 1000]) {
    const latencies: number[] = [];
    let changes = 0;
    let missed = 0;
    for (let run = 0; run < 2; run++) {
      // Ground truth: the first time a back-to-back poller saw each phase (server clock).
      const observer = await connect();
      const firstSeen = new Map<string, number>();
      let observing = true;
      const observe = (async () => {
        while (observing) {
          const { rows } = await observer.query<{ now: number; phase: string }>(
            `SELECT extract(epoch FROM clock_timestamp()) * 1000 AS now, phase FROM pg_stat_progress_create_index WHERE relid = 'big'::regclass`,
          );
          for (const r of rows) if (!firstSeen.has(r.phase)) firstSeen.set(r.phase, Number(r.now));
        }
      })();
      const monitor = new ProgressMonitor(session, { activeIntervalMs: intervalMs, idleIntervalMs: intervalMs });
      const atByPhase = new Map<string, number>();
      monitor.on('tick', (t) => {
        for (const b of t.builds) if (!atByPhase.has(b.phase)) atByPhase.set(b.phase, t.at);
      });
      const watch = monitor.watch();
      const build = await startBuild(connect, 'CREATE INDEX CONCURRENTLY bench_latency ON big (conversation_id)');
      const finishedAt = await build.done;
      await new Promise((r) => setTimeout(r, intervalMs + 50));
      watch.dispose();
      monitor.dispose();
      observing = false;
      await observe;
      await admin.query('DROP INDEX bench_latency');
      const ordered = [...firstSeen.entries()].sort((a, b) => a[1] - b[1]);
      const total = finishedAt - ordered[0]![1];
      ordered.forEach(([phase, start], i) => {
        const end = ordered[i + 1]?.[1] ?? finishedAt;
        shares.set(phase, [...(shares.get(phase) ?? []), (end - start) / total]);
      });
      // the first phase is the build's start, not a change
      const phases = ordered.slice(1);
      for (const [phase, truth] of phases) {
        changes++;
        const at = atByPhase.get(phase);
        if (at === undefined) missed++;
        else latencies.push(at - truth);
      }
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    table.push({
      'poll interval': `${intervalMs} ms`,
      'phase changes': String(changes),
      'seen by the monitor': String(changes - missed),
      'missed (phase shorter than the interval)': String(missed),
      'latency median': ms(median(sorted), 0),
      'latency p95': ms(percentile(sorted, 95), 0),
      'latency max': ms(sorted[sorted.length - 1] ?? NaN, 0),
    });
  }
  const model = phasesFor('CREATE INDEX CONCURRENTLY');
  const totalWeight = model.reduce((sum, step) => sum + step.weight, 0);
  printTable(
    'Share of the build time per phase (back-to-back poller, 6 builds of CIC on big, default parallel maintenance workers) against the model\'s weights',
    model.map((step) => {
      const measured = shares.get(step.phase) ?? [];
      return {
        phase: step.phase,
        'seen in builds': String(measured.length),
        'measured share': measured.length ? `${(median(measured) * 100).toFixed(1)} %` : '-',
        'model weight': `${((step.weight / totalWeight) * 100).toFixed(1)} %`,
      };
    }),
    ['seen in builds', 'measured share', 'model weight'],
  );
  printTable(
    'Phase detection latency (phase-changed tick time minus the first time a back-to-back poller saw the phase; server clock; 2 builds of CIC on big per interval)',
    table,
    ['phase changes', 'seen by the monitor', 'missed (phase shorter than the interval)', 'latency median', 'latency p95', 'latency max'],
  );
}

async function etaError(session: MonitorSession, connect: Connect, admin: pg.Client, rows: number): Promise<void> {
  const table: Row[] = [];
  const configs: Array<[label: string, settings: string[]]> = [
    ['maintenance_work_mem 64MB (default)', []],
    ['maintenance_work_mem 1GB', ["SET maintenance_work_mem = '1GB'"]],
  ];
  for (const [label, settings] of configs) {
    for (let run = 1; run <= 3; run++) {
      const monitor = new ProgressMonitor(session);
      const marks: Array<{ mark: number; at: number; eta: number | null; overall: number }> = [];
      monitor.on('build-progress', (b) => {
        for (const mark of [25, 50, 75]) {
          if (b.overallPercent >= mark && !marks.some((m) => m.mark === mark)) marks.push({ mark, at: b.startedAt + b.elapsedSeconds * 1000, eta: b.etaSeconds, overall: b.overallPercent });
        }
      });
      const build = await startBuild(connect, 'CREATE INDEX CONCURRENTLY bench_eta ON big (conversation_id, status, id)', settings);
      // 250 ms: the builds here last seconds, and the ETA does not depend on the poll interval
      const [ticks, finishedAt] = await Promise.all([tickWhile(monitor, 250, build.done), build.done]);
      monitor.dispose();
      await admin.query('DROP INDEX bench_eta');
      const started = ticks.find((t) => t.builds.length > 0)?.builds[0]?.startedAt ?? NaN;
      for (const mark of [25, 50, 75]) {
        const m = marks.find((x) => x.mark === mark);
        const real = m ? (finishedAt - m.at) / 1000 : NaN;
        table.push({
          setting: label,
          run: String(run),
          'build took': `${((finishedAt - started) / 1000).toFixed(1)} s`,
          at: m ? `${mark}% (seen ${m.overall.toFixed(1)}%)` : `${mark}% (not seen)`,
          'ETA shown': m?.eta === null || m === undefined ? 'none' : `${m.eta.toFixed(1)} s`,
          'really left': Number.isFinite(real) ? `${real.toFixed(1)} s` : 'n/a',
          error: m && m.eta !== null && Number.isFinite(real) ? `${(m.eta - real >= 0 ? '+' : '') + (m.eta - real).toFixed(1)} s (${(((m.eta - real) / real) * 100).toFixed(0)} %)` : 'n/a',
        });
      }
    }
  }
  printTable(
    `ETA against the real finishing time (CREATE INDEX CONCURRENTLY on ${count(rows)} rows, 3-column key, polled every 250 ms; ETA = remaining percent / smoothed rate; a mark is taken at the first tick at or past it)`,
    table,
    ['build took', 'ETA shown', 'really left', 'error'],
  );
}
