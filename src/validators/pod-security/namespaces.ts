/**
 * The Pod Security check follows the namespaces the validated files declare, as the PodSecurity admission controller
 * follows their labels: a pod in a namespace whose `pod-security.kubernetes.io/enforce` label is `privileged` is
 * admitted whatever it asks for, so its template is not held to `--pod-security`. That is how a repository ships a
 * node agent (a CNI's policy engine, a GPU driver) next to restricted workloads: in a namespace of its own, labelled
 * privileged in review, with its reason beside it. Any other label leaves the pod at the `--pod-security` level
 * (a `baseline` namespace would need its pods evaluated again, since restricted controls override baseline ones).
 */
import type { ManifestDigest } from "../gitops/digest.js";
import type { UnitResult } from "../types.js";

const RULE_PREFIX = "pod-security/";

/** Namespaces the files declare (core v1 Namespace objects) with enforce=privileged. */
export function privilegedNamespaces(digests: Iterable<ManifestDigest[]>): Set<string> {
  const names = new Set<string>();
  for (const list of digests) {
    for (const digest of list) if (digest.podSecurityEnforce === "privileged" && digest.name !== "") names.add(digest.name);
  }
  return names;
}

/**
 * Drops the Pod Security problems of resources in a privileged namespace; a resource left without errors becomes
 * valid again. Other problems (schema, strict fields) are kept as they are.
 */
export function exemptPrivilegedNamespaces(results: UnitResult[], privileged: ReadonlySet<string>): UnitResult[] {
  if (privileged.size === 0) return results;
  return results.map((result) => {
    const namespace = result.resource?.namespace;
    if (result.validator !== "kubernetes" || namespace === undefined || !privileged.has(namespace)) return result;
    const problems = result.problems.filter((problem) => !problem.rule.startsWith(RULE_PREFIX));
    if (problems.length === result.problems.length) return result;
    const failed = problems.some((problem) => problem.severity === "error");
    return { ...result, problems, status: result.status === "invalid" && !failed ? "valid" : result.status };
  });
}
