import pc from "picocolors";
import type { Reporter } from "../reporter.js";
import { escapeText } from "../terminal-text.js";

/** Progress lines on stderr when it is a terminal; warnings are always shown. */
export function terminalReporter(): Reporter {
  const tty = process.stderr.isTTY === true;
  return {
    step: (message) => tty && process.stderr.write(`${pc.cyan("◇")} ${escapeText(message)}\n`),
    success: (message) => tty && process.stderr.write(`${pc.green("✔")} ${escapeText(message)}\n`),
    warn: (message) => process.stderr.write(`${tty ? pc.yellow("▲ warning:") : "warning:"} ${escapeText(message)}\n`),
  } as Reporter;
}
