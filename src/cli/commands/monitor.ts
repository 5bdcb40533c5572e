import { ProgressMonitor, type ProgressMonitorEvents } from '../../db/progress/progress-monitor';
import { jsonEventLine, renderBuildsForTerminal, type MonitorEvent } from '../../db/progress/terminal-view';
import { BuildHistoryFile, defaultHistoryPath, recordFinishedBuild, serverKey } from '../../db/build-history';
import { MonitorSession } from '../../db/session';
import { EXIT_OK, type Command } from '../command';
import { handleInterrupts } from '../interrupts';
import { useColor, UsageError, type CliIO } from '../io';
import { CLI_APPLICATION_NAME, CONNECTION_HELP, cliProblem, CONNECTION_OPTIONS, parseOrUsage, resolveTargetForCli } from './status';

const HELP = `Usage: pg-index-guard monitor [options]

Watches index builds live (pg_stat_progress_create_index): phase, progress, ETA and the
sessions a build waits for. The view refreshes in place; Ctrl-C leaves. The session is
read-only.

Options:
  --json                 one JSON event per line (build-started, phase-changed,
                         build-progress, build-finished, error) for scripts
  --interval <seconds>   seconds between polls while a build runs (default 1)
  --once                 print the current builds once and exit
  -h, --help
${CONNECTION_HELP}`;

/** Events a script following `--json` cares about (every tick would be noise). */
const JSON_EVENTS: ReadonlyArray<keyof ProgressMonitorEvents> = ['build-started', 'phase-changed', 'build-progress', 'build-finished', 'error', 'recovered'];

export const monitorCommand: Command = {
  name: 'monitor',
  summary: 'Watch index builds live in the terminal',
  help: HELP,
  async run(args: string[], io: CliIO): Promise<number> {
    const { values } = parseOrUsage(
      {
        args,
        strict: true,
        allowPositionals: false,
        options: { ...CONNECTION_OPTIONS, json: { type: 'boolean' }, interval: { type: 'string' }, once: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      },
      'monitor',
    );
    if (values.help) {
      io.stdout(HELP);
      return EXIT_OK;
    }
    const interval = values.interval === undefined ? 1 : Number(values.interval);
    if (!(interval > 0)) throw new UsageError('--interval takes a number of seconds above 0');
    const target = resolveTargetForCli(values, io);
    // Reconnects by itself when the server goes away; the view says so meanwhile.
    const session = new MonitorSession({ target: target.configs, applicationName: `${CLI_APPLICATION_NAME} monitor` });
    const outcome = await session.connect();
    if (!outcome.ok) {
      await session.close();
      throw new UsageError(`Cannot connect to ${target.description}: ${cliProblem(outcome.error, target)}`);
    }
    const monitor = new ProgressMonitor(session, { activeIntervalMs: interval * 1000 });
    const label = `${target.candidate.config.database} on ${target.candidate.config.host}`;

    if (values.once) {
      const tick = await monitor.poll();
      if (values.json) io.stdout(`${JSON.stringify({ type: 'builds', builds: tick?.builds ?? [] })}\n`);
      else io.stdout(`${renderBuildsForTerminal(tick?.builds ?? [], { width: terminalWidth(), color: useColor(io), connectionLabel: label })}\n`);
      monitor.dispose();
      await session.close();
      return EXIT_OK;
    }

    // Every build seen to finish is this server's measured speed, for explain's estimates.
    const history = new BuildHistoryFile(defaultHistoryPath(io.env));
    monitor.on('build-finished', (finished) => void recordFinishedBuild(session, history, serverKey(target.candidate.config), finished));

    const interactive = io.stdoutIsTTY && !values.json;
    if (values.json) {
      for (const type of JSON_EVENTS) {
        monitor.on(type, (payload) => io.stdout(`${jsonEventLine({ type, payload } as MonitorEvent)}\n`));
      }
    } else {
      let frame = '';
      let lastShown = '';
      let problem = '';
      const show = () => {
        if (interactive) {
          // Home, clear below: the view refreshes in place without scrolling.
          io.stdout(`\u001b[H\u001b[J${frame}\n${problem ? `\n${problem}\n` : ''}\u001b[2mCtrl-C to leave\u001b[0m\n`);
          return;
        }
        const shown = problem || frame;
        if (shown !== lastShown) io.stdout(`${shown}${problem ? '\n' : '\n\n'}`);
        lastShown = shown;
      };
      // A failed poll (the server went away, ...) is said at once, and until a poll succeeds.
      monitor.on('error', (event) => {
        problem = `${cliProblem(event.description, target)} (retrying)`;
        show();
      });
      monitor.on('tick', (tick) => {
        problem = '';
        frame = renderBuildsForTerminal(tick.builds, { width: terminalWidth(), color: useColor(io), recent: tick.recent, connectionLabel: label });
        show();
      });
    }
    if (interactive) io.stdout('\u001b[?25l\u001b[2J'); // hide the cursor, clear once
    const watch = monitor.watch();
    let stopHandlingInterrupts = () => {};
    await new Promise<void>((resolve) => {
      // a second Ctrl-C leaves at once, even when closing waits for a server that stopped answering
      stopHandlingInterrupts = handleInterrupts({ first: () => resolve(), second: () => interactive && io.stdout('\u001b[?25h\n') });
    });
    watch.dispose();
    monitor.dispose();
    await session.close();
    stopHandlingInterrupts();
    if (interactive) io.stdout('\u001b[?25h\n');
    return EXIT_OK;
  },
};

function terminalWidth(): number {
  return process.stdout.columns && process.stdout.columns > 0 ? process.stdout.columns : 100;
}
