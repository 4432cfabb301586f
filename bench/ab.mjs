#!/usr/bin/env node
// Paired comparison of two builds of this package (issue 28): `node bench/ab.mjs <old checkout> <new checkout>
// [pairs=15] [blueprint=kapsule-gpu] [commands=create,plan,check,update]`. Each checkout needs its dist/ built
// (a copy of a checkout with dist/ and a node_modules link will do). Every round runs each command with the old
// build and the new one back to back, their order swapped every other round, so that both see the same load; a bare
// `node -e 0` is timed beside each. Prints medians of wall time and of CPU-s (user + system of the process and its
// children, from /usr/bin/time), and the median of the per-pair ratios new/old. No goal is checked: see bench/run.mjs.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { loadavg, tmpdir } from "node:os";
const [A, B] = [process.argv[2], process.argv[3]];
const pairs = Number(process.argv[4] ?? 15);
const bp = process.argv[5] ?? "kapsule-gpu";
const cmds = (process.argv[6] ?? "create,plan,check,update").split(",");
const env = { ...process.env, CI: "true", NO_COLOR: "1" };
const work = mkdtempSync(join(tmpdir(), "ccr-bench-ab-"));
function run(root, args, cwd) {
  const r = spawnSync("/usr/bin/time", ["-f", "%e %U %S", process.execPath, join(root, "dist/cli/main.js"), ...args], { cwd, env, encoding: "utf8" });
  if (r.status !== 0) throw new Error(args.join(" ") + ": " + r.stderr);
  const [e, u, s] = r.stderr.trim().split("\n").pop().split(" ").map(Number);
  return { wall: e, cpu: u + s };
}
const create = (root, dir) => run(root, ["--blueprint", bp, "--yes", "--set", `repoUrl=https://github.com/bench/${bp}.git`, dir], work);
const repos = { A: join(work, "A"), B: join(work, "B") };
create(A, repos.A); create(B, repos.B);
const res = {}; let n = 0;
const l0 = loadavg()[0];
for (let i = 0; i < pairs; i++) for (const cmd of cmds) for (const [k, root] of (i % 2 ? [["B", B], ["A", A]] : [["A", A], ["B", B]])) {
  let r;
  if (cmd === "create") { const d = join(work, `c${n++}`); r = create(root, d); rmSync(d, { recursive: true, force: true }); }
  else r = run(root, [cmd], repos[k]);
  (res[`${cmd} ${k}`] ??= []).push(r);
  const nodeStart = process.hrtime.bigint(); spawnSync(process.execPath, ["-e", "0"]); (res["node"] ??= []).push({ wall: Number(process.hrtime.bigint() - nodeStart) / 1e9, cpu: 0 });
}
rmSync(work, { recursive: true, force: true });
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
console.log(`pairs ${pairs}, ${bp}, load ${l0.toFixed(2)} -> ${loadavg()[0].toFixed(2)}, node -e 0 ${med(res.node.map((r) => r.wall)).toFixed(3)} s`);
for (const cmd of cmds) {
  const a = res[`${cmd} A`], b = res[`${cmd} B`];
  const ratios = a.map((x, i) => b[i].wall / x.wall);
  console.log(`${cmd.padEnd(7)} wall A ${med(a.map((r) => r.wall)).toFixed(3)} B ${med(b.map((r) => r.wall)).toFixed(3)} (paired ratio B/A ${med(ratios).toFixed(3)})  cpu A ${med(a.map((r) => r.cpu)).toFixed(3)} B ${med(b.map((r) => r.cpu)).toFixed(3)}`);
}
