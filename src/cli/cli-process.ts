import { keepTemplateSetsRead } from "../blueprints/read-memo.js";
import { requestStop, STOP_SIGNALS, type StopSignal } from "../interrupt.js";
import { stoppedMessage } from "../stop-signals.js";
import { processIo } from "./io.js";
import { runCommandLine } from "./run.js";

/**
 * The CLI process once src/cli/main.ts has set V8's flags and the code cache: the entry of the CLI bundle
 * (dist/cli/cli.cjs, scripts/bundle-cli.mjs). Returns the exit code.
 */
export async function runCliProcess(): Promise<number> {
  // Ctrl-C or a SIGTERM: exit at once with 130 or 143 and say so, unless work that owns something to clean is running,
  // which then stops at its next step and cleans up (a new repository's staging directory): see src/interrupt.ts.
  // Set before the commands' modules load (they load on use, inside runCommandLine).
  for (const signal of Object.keys(STOP_SIGNALS) as StopSignal[]) {
    process.on(signal, () => {
      if (requestStop(signal) === "exit") {
        // Nothing guarded was running: the command stops where it is (stderr is written synchronously).
        process.stderr.write(stoppedMessage(signal));
        process.exit(STOP_SIGNALS[signal]);
      }
    });
  }
  dropOutputNobodyReads();
  keepTemplateSetsRead();
  return runCommandLine(process.argv.slice(2), processIo());
}

/**
 * A reader that goes away early (`validate -o json . | head -1`) makes the next write to the pipe fail with EPIPE,
 * which Node raises as an 'error' event: unhandled, a stack trace and an exit that cuts the command short. Nobody
 * reads that output any more, so it is dropped and the command ends as it would have, with its own exit code (a
 * pipeline with `pipefail` still sees a failed validation) and nothing half-written. Other stream errors stay fatal.
 */
function dropOutputNobodyReads(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
    });
  }
}
