/**
 * The signals the CLI stops on, with the conventional exit status (128 + the signal's number). A module of its own
 * so that the `bin` (src/cli/main.ts) can say it was stopped before the CLI's bundle, and src/interrupt.ts, load.
 */
export const STOP_SIGNALS = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof STOP_SIGNALS;

/** What the CLI writes on stderr when a signal stops it with nothing to clean up. */
export function stoppedMessage(signal: StopSignal): string {
  return `error: stopped by ${signal} before the command finished\n`;
}
