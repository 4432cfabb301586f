import { describe, expect, test } from "vitest";
import { treeSource, validateSource } from "../src/validators/index.js";

/**
 * `--pod-security` follows the namespaces the files declare, as the PodSecurity admission controller follows their
 * labels: a node agent in a namespace labelled enforce=privileged is admitted as it is, and nothing else changes.
 */

const agent = (namespace: string) => `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-agent
  namespace: ${namespace}
spec:
  selector:
    matchLabels:
      app: node-agent
  template:
    metadata:
      labels:
        app: node-agent
    spec:
      hostNetwork: true
      containers:
        - name: agent
          image: example.org/agent:1.0.0
          securityContext:
            privileged: true
          volumeMounts:
            - name: modules
              mountPath: /lib/modules
      volumes:
        - name: modules
          hostPath:
            path: /lib/modules
`;

const namespace = (name: string, level?: string) => `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
${level ? `  labels:\n    pod-security.kubernetes.io/enforce: ${level}\n` : ""}`;

async function podSecurityProblems(files: Record<string, string>, level: "restricted" | "baseline" = "restricted") {
  const report = await validateSource(treeSource(new Map(Object.entries(files))), { strict: true, podSecurity: { level }, terraform: false, gitops: false });
  return {
    valid: report.valid,
    rules: report.results.flatMap((result) => result.problems.map((problem) => `${result.resource?.kind} ${problem.rule}`)).sort(),
  };
}

describe("validate --pod-security and the namespaces the files declare", () => {
  test("a pod in a namespace declared enforce=privileged is admitted as it is", async () => {
    const result = await podSecurityProblems({ "agent/namespace.yaml": namespace("agents", "privileged"), "agent/daemonset.yaml": agent("agents") });
    expect(result).toEqual({ valid: true, rules: [] });
  });

  test("any other namespace, declared or not, keeps the --pod-security level", async () => {
    const cases: Array<Record<string, string>> = [
      { "agent/daemonset.yaml": agent("agents") },
      { "agent/namespace.yaml": namespace("agents"), "agent/daemonset.yaml": agent("agents") },
      { "agent/namespace.yaml": namespace("agents", "baseline"), "agent/daemonset.yaml": agent("agents") },
      { "agent/namespace.yaml": namespace("agents", "restricted"), "agent/daemonset.yaml": agent("agents") },
      // Privileged, but another namespace than the pod's.
      { "agent/namespace.yaml": namespace("others", "privileged"), "agent/daemonset.yaml": agent("agents") },
    ];
    for (const files of cases) {
      const result = await podSecurityProblems(files);
      expect(result.valid, Object.keys(files).join(", ")).toBe(false);
      expect(result.rules).toEqual(expect.arrayContaining(["DaemonSet pod-security/privileged", "DaemonSet pod-security/hostNamespaces"]));
    }
    expect((await podSecurityProblems({ "agent/daemonset.yaml": agent("agents") }, "baseline")).rules).toContain("DaemonSet pod-security/hostPathVolumes");
  });

  test("the exemption is about Pod Security only: a schema error in that namespace stays an error", async () => {
    const broken = agent("agents").replace("hostNetwork: true", "hostNetwork: yes please");
    const result = await podSecurityProblems({ "agent/namespace.yaml": namespace("agents", "privileged"), "agent/daemonset.yaml": broken });
    expect(result.valid).toBe(false);
    expect(result.rules.some((rule) => rule.startsWith("DaemonSet pod-security/"))).toBe(false);
    expect(result.rules.length).toBeGreaterThan(0);
  });
});
