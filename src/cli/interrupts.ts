import { constants } from 'node:os';

export interface InterruptHandlers {
  /** The first Ctrl-C or SIGTERM: stop what runs, clean up, and let the command end as usual. */
  first(signal: NodeJS.Signals): void;
  /** A second one: say what is left undone; the process then exits at once. */
  second(signal: NodeJS.Signals): void;
}

/**
 * SIGINT and SIGTERM while a command stops cleanly: the first starts the clean stop, a second
 * exits at once with 128 + the signal's number (130, 143), as a shell reports a killed process,
 * whatever the clean stop still waits for (a server that stopped answering). Returns the
 * function that removes the handlers; signals after it take their default action again.
 */
export function handleInterrupts(handlers: InterruptHandlers): () => void {
  let received = 0;
  const listener = (signal: NodeJS.Signals) => {
    received++;
    if (received === 1) {
      handlers.first(signal);
      return;
    }
    handlers.second(signal);
    process.exit(128 + (constants.signals[signal] ?? constants.signals.SIGTERM));
  };
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return () => {
    process.removeListener('SIGINT', listener);
    process.removeListener('SIGTERM', listener);
  };
}
