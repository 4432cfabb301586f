// Runs in every test file when CCR_TEST_CPU_LOG names a file (vitest.config.ts): appends one tab-separated line per
// test file with the CPU seconds its worker spent (all threads) and those of the child processes it waited for, its
// wall seconds, the worker's resident and page-table size. Why: on a shared machine wall time says little, and the
// suite's cost is half system time, which grows with the worker's page tables (each fork copies them, each child
// drops them again); `/usr/bin/time` per file pays vitest's start-up each time. Linux only (/proc).
import { appendFileSync, readFileSync } from "node:fs";
import { afterAll } from "vitest";

/** utime, stime, cutime, cstime in seconds (fields 14-17 of /proc/self/stat; 100 ticks a second on Linux). */
function cpuSeconds(): number[] {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
  return [11, 12, 13, 14].map((index) => Number(fields[index]) / 100);
}

const log = process.env.CCR_TEST_CPU_LOG!;
const start = cpuSeconds();
const startedAt = Date.now();

// vitest passes the file's suite as the second argument (the first is its fixture context).
afterAll(({}, suite: { file?: { filepath: string } }) => {
  const end = cpuSeconds();
  const pageTables = /VmPTE:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? "?";
  const self = end[0]! + end[1]! - start[0]! - start[1]!;
  const children = end[2]! + end[3]! - start[2]! - start[3]!;
  const row = [suite.file?.filepath ?? "?", self.toFixed(2), children.toFixed(2), ((Date.now() - startedAt) / 1000).toFixed(1), Math.round(process.memoryUsage().rss / 1e6), pageTables, process.pid];
  appendFileSync(log, `${row.join("\t")}\n`);
});
