import { CliError } from "./errors.js";
import { STOP_SIGNALS, type StopSignal } from "./stop-signals.js";

/**
 * Stopping on SIGINT (Ctrl-C) or SIGTERM without leaving half-made work behind. The CLI's handler (cli/main.ts)
 * calls {@link requestStop}: with no guarded work running, the process exits at once; while work that owns
 * something to clean (the staging directory of a new repository) runs, the stop is recorded, the work stops at its
 * next {@link checkpoint}, cleans up in its own error path, and the CLI exits with the signal's status. A second
 * signal does not wait: the guards' synchronous clean-ups run and the process exits.
 */

export { STOP_SIGNALS, type StopSignal } from "./stop-signals.js";

/** The run was stopped by a signal; its exit status is the signal's (130 for SIGINT, 143 for SIGTERM). */
export class InterruptedError extends CliError {
  constructor(
    readonly signal: StopSignal,
    detail: string,
  ) {
    super(`stopped by ${signal}: ${detail}`, "E_INTERRUPTED", STOP_SIGNALS[signal]);
  }
}

const guards = new Set<() => void>();
let requested: StopSignal | undefined;
const forcedStop = new AbortController();

/**
 * Aborted when a second signal forces the stop: the git child processes of the guarded work are stopped with it
 * (src/git/client.ts), so that none of them is still writing in a directory the clean-up removes.
 */
export const forcedStopSignal: AbortSignal = forcedStop.signal;

/** The signal a stop was requested with, if one was. */
export function stopRequested(): StopSignal | undefined {
  return requested;
}

/**
 * Records a stop. Returns `"exit"` when the caller should exit now (nothing to clean, or a second signal, after the
 * synchronous clean-ups ran), `"wait"` when guarded work will stop at its next checkpoint.
 */
export function requestStop(signal: StopSignal): "exit" | "wait" {
  if (requested !== undefined || guards.size === 0) {
    requested ??= signal;
    if (guards.size > 0) forcedStop.abort();
    for (const cleanup of guards) {
      try {
        cleanup();
      } catch {
        // best effort: the process is going away
      }
    }
    return "exit";
  }
  requested = signal;
  return "wait";
}

/** Throws an {@link InterruptedError} when a stop was requested: call it between the steps of guarded work. */
export function checkpoint(detail = "nothing was written"): void {
  if (requested !== undefined) throw new InterruptedError(requested, detail);
}

/**
 * Runs `work` as guarded: a signal during it lets it stop at a checkpoint (and clean up in its own error path);
 * `forcedCleanup` (synchronous, best effort) runs only if a second signal cannot wait for that.
 */
export async function guarded<T>(forcedCleanup: () => void, work: () => Promise<T>): Promise<T> {
  guards.add(forcedCleanup);
  try {
    return await work();
  } finally {
    guards.delete(forcedCleanup);
  }
}

/**
 * Lets the event loop turn so that a SIGINT or SIGTERM that arrived during synchronous work is handled now: Node runs
 * signal handlers only between tasks, and does not keep the process alive for them, so a signal that lands in a long
 * synchronous step followed by no other task is lost and the run completes as if none came. Call between the steps of
 * work that has no guard (the CLI's handler then exits at once, before anything is written).
 */
export function signalPoint(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
