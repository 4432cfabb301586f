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
  validator: "kubernetes" | "terraform" | "gitops";
  status: Status;
  resource?: ResourceIdentity;
  /** Human label, e.g. "Deployment demo/web". */
  label?: string;
  problems: Problem[];
  /** Set on a skipped unit that nothing could check (e.g. a Terraform block of a provider without a table): why. */
  notChecked?: string;
}

export interface Summary {
  resources: number;
  valid: number;
  invalid: number;
  errors: number;
  skipped: number;
  /** Skipped units that were not checked at all (counted in `skipped` too); present only when there are any. */
  notChecked?: number;
}

export interface ValidationReport {
  valid: boolean;
  summary: Summary;
  results: UnitResult[];
}

export function summarize(results: UnitResult[]): ValidationReport {
  const summary: Summary = { resources: results.length, valid: 0, invalid: 0, errors: 0, skipped: 0 };
  for (const result of results) {
    if (result.status === "valid") summary.valid++;
    else if (result.status === "invalid") summary.invalid++;
    else if (result.status === "error") summary.errors++;
    else {
      summary.skipped++;
      if (result.notChecked) summary.notChecked = (summary.notChecked ?? 0) + 1;
    }
  }
  return { valid: summary.invalid === 0 && summary.errors === 0, summary, results };
}

export function isFailure(result: UnitResult): boolean {
  return result.status === "invalid" || result.status === "error";
}
