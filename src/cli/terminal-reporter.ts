import pc from "picocolors";
import type { Reporter } from "../reporter.js";
import { escapeText } from "../terminal-text.js";
import type { CliOutput } from "./io.js";

/** Progress lines on stderr when it is a terminal; warnings are always shown. */
export function terminalReporter(stderr: CliOutput): Reporter {
  const tty = stderr.isTTY === true;
  return {
    step: (message) => tty && stderr.write(`${pc.cyan("◇")} ${escapeText(message)}\n`),
    success: (message) => tty && stderr.write(`${pc.green("✔")} ${escapeText(message)}\n`),
    warn: (message) => stderr.write(`${tty ? pc.yellow("▲ warning:") : "warning:"} ${escapeText(message)}\n`),
  } as Reporter;
}
