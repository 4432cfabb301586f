/**
 * Validation returns data, never throws for invalid input: a closed set of statuses per checked unit
 * (a Kubernetes resource, a Terraform block, a file), with problems that name file, line and rule.
 * Only the top level (CLI / pipeline) turns results into an exit code.
 */
export type Status = "valid" | "invalid" | "error" | "skipped";

export type Severity = "error" | "warning";

export interface Problem {
  /** Path of the file, relative to the validated root, POSIX separators. */
  file: string;
  /** 1-based line of the offending field (or of the document/block when no finer position exists). */
  line?: number;
  column?: number;
  /** Human label of the unit, e.g. "Job gpu-smoke-test" or "scaleway_k8s_pool.gpu". */
  resource?: string;
  /** Stable rule id, e.g. "k8s-schema", "k8s-missing-schema", "tf-unknown-argument", "flux-path-missing". */
  rule: string;
  /** JSON path / attribute path inside the unit, e.g. "spec.template.spec.containers[0].resources.limits". */
  path?: string;
  /** What is wrong and what was expected. */
  message: string;
  severity: Severity;
}

export interface ResourceIdentity {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

/** One checked unit: a Kubernetes resource, a Terraform file/block, a GitOps reference set. */
export interface UnitResult {
  file: string;
  line?: number;
  /** Which validator produced it. */
  validator: "kubernetes" | "terraform" | "gitops" | "workflows" | "gitlab-ci" | "secrets" | "walk";
  status: Status;
  resource?: ResourceIdentity;
  /** Human label, e.g. "Deployment demo/web". */
  label?: string;
  problems: Problem[];
  /** Set on a skipped unit that nothing could check (e.g. a Terraform block of a provider without a table): why. */
  notChecked?: string;
}

/** How many units ended in each status. */
export interface Tally {
  valid: number;
  invalid: number;
  errors: number;
  skipped: number;
}

/**
 * The counts of a report. The top-level counts are of Kubernetes resources (documents), as kubeconform's are;
 * GitOps, Terraform and workflow units are `checks`, counted apart; what a folder walk left out is `leftOut`.
 */
export interface Summary extends Tally {
  /** Kubernetes documents found. */
  resources: number;
  /** GitOps reference sets, Terraform blocks and files: `total` units. */
  checks: Tally & { total: number };
  /** Skipped units that nothing could check (counted in `skipped` or `checks.skipped` too); present only when there are any. */
  notChecked?: number;
  /** Files and chart folders a folder walk left out, each with its reason; present only when there are any. */
  leftOut?: number;
}

export interface ValidationReport {
  valid: boolean;
  summary: Summary;
  results: UnitResult[];
  /**
   * A fleet's clusters (report/fleet-groups.ts): text and JSON group the findings by cluster; absent for a
   * repository of one cluster, whose report is as it always was.
   */
  fleet?: { clusters: Array<{ name: string; environment?: string; root: string }>; prefix?: string };
}

export function summarize(results: UnitResult[]): ValidationReport {
  const summary: Summary = { resources: 0, valid: 0, invalid: 0, errors: 0, skipped: 0, checks: { total: 0, valid: 0, invalid: 0, errors: 0, skipped: 0 } };
  for (const result of results) {
    if (result.validator === "walk") {
      summary.leftOut = (summary.leftOut ?? 0) + 1;
      continue;
    }
    const tally: Tally = result.validator === "kubernetes" ? summary : summary.checks;
    if (result.validator === "kubernetes") summary.resources++;
    else summary.checks.total++;
    if (result.status === "valid") tally.valid++;
    else if (result.status === "invalid") tally.invalid++;
    else if (result.status === "error") tally.errors++;
    else {
      tally.skipped++;
      if (result.notChecked) summary.notChecked = (summary.notChecked ?? 0) + 1;
    }
  }
  const failed = summary.invalid + summary.errors + summary.checks.invalid + summary.checks.errors;
  return { valid: failed === 0, summary, results };
}

export function isFailure(result: UnitResult): boolean {
  return result.status === "invalid" || result.status === "error";
}
