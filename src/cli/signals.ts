/**
 * Ctrl-C or a SIGTERM: exit at once with 130 or 143 and say so, unless work that owns something to clean is running,
 * which then stops at its next step and cleans up (a new repository's staging directory): see src/interrupt.ts.
 * Imported by main.ts before the commands' modules, so that a signal during start-up is handled too.
 */
import { requestStop, STOP_SIGNALS, type StopSignal } from "../interrupt.js";

for (const signal of Object.keys(STOP_SIGNALS) as StopSignal[]) {
  process.on(signal, () => {
    if (requestStop(signal) === "exit") {
      // Nothing guarded was running: the command stops where it is (stderr is written synchronously).
      process.stderr.write(`error: stopped by ${signal} before the command finished\n`);
      process.exit(STOP_SIGNALS[signal]);
    }
  });
}
