import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createKubernetesValidator } from "../src/validators/kubernetes/index.js";
import { CONTROLS, createPodSecurityCheck, type Level } from "../src/validators/pod-security/index.js";
import type { Problem } from "../src/validators/types.js";
import { runCli } from "./helpers/cli.js";
import { fixturesDir } from "./helpers/fixtures.js";

const dir = join(fixturesDir, "pod-security");

interface Case {
  checkId: string;
  control: string;
  level: Level;
  path: string;
  content: string;
  /** Line of the `# expect:` marker (violations only). */
  line?: number;
}

function readCases(kind: "violations" | "compliant"): Case[] {
  return readdirSync(join(dir, kind))
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .map((file) => {
      const path = join(dir, kind, file);
      const content = readFileSync(path, "utf8");
      const lines = content.split("\n");
      const marker = lines.findIndex((line) => line.includes("# expect: pod-security/"));
      return {
        checkId: file.replace(/\.yaml$/, ""),
        control: /^# control: (.+)$/m.exec(content)![1]!,
        level: /^# level: (\w+)$/m.exec(content)![1] as Level,
        path,
        content,
        line: marker === -1 ? undefined : marker + 1,
      };
    });
}

const violations = readCases("violations");
const compliant = readCases("compliant");

const validators = new Map<string, ReturnType<typeof createKubernetesValidator>>();

async function problemsOf(c: Case, level: Level, version?: string): Promise<Problem[]> {
  const key = `${level} ${version ?? "latest"}`;
  if (!validators.has(key)) validators.set(key, createKubernetesValidator({ strict: true, podSecurity: { level, version } }));
  const validator = await validators.get(key)!;
  return (await validator.validateFile({ path: c.path, content: c.content })).flatMap((result) => result.problems);
}

const POD_KINDS = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "ReplicationController", "PodTemplate"];

describe("fixtures cover the standard", () => {
  test("one violation and one compliant variant per documented control, over every kind that holds a pod template", () => {
    // procMount_restricted is the v1.35 restricted form of "/proc Mount Type", not a control of its own in the docs.
    const controls = CONTROLS.filter((control) => control.id !== "procMount_restricted");
    expect(violations.map((c) => c.checkId).sort()).toEqual(controls.map((control) => control.id).sort());
    expect(compliant.map((c) => c.checkId).sort()).toEqual(controls.map((control) => control.id).sort());
    for (const c of violations) expect(c.control).toBe(CONTROLS.find((control) => control.id === c.checkId)!.control);
    const kinds = new Set(violations.map((c) => /^kind: (\w+)$/m.exec(c.content)![1]));
    expect([...kinds].sort()).toEqual([...POD_KINDS].sort());
  });

  test("the documented control names of both tables are all there", () => {
    const names = CONTROLS.map((control) => control.control);
    for (const name of ["HostProcess", "Host Namespaces", "Privileged Containers", "Capabilities", "HostPath Volumes", "Host Ports", "Host Probes / Lifecycle Hooks (v1.34+)", "AppArmor", "SELinux", "/proc Mount Type", "Seccomp", "Sysctls"]) {
      expect(CONTROLS.find((control) => control.control === name)?.level).toBe("baseline");
    }
    for (const name of ["Volume Types", "Privilege Escalation (v1.8+)", "Running as Non-root", "Running as Non-root user (v1.23+)", "Seccomp (v1.19+)", "Capabilities (v1.22+)"]) {
      expect(names).toContain(name);
      expect(CONTROLS.find((control) => control.control === name)?.level).toBe("restricted");
    }
  });
});

describe.each(violations.map((c) => [c.checkId, c] as const))("violation %s", (_id, c) => {
  test(`breaks exactly "${c.control}" at the marked line (${c.level})`, async () => {
    const problems = await problemsOf(c, c.level);
    expect(problems.map((p) => ({ rule: p.rule, line: p.line }))).toEqual([{ rule: `pod-security/${c.checkId}`, line: c.line }]);
    expect(problems[0]!.message).toContain(`"${c.control}"`);
    expect(problems[0]!.message).toContain(`(${c.level})`);
  });

  test("restricted includes baseline: it fails there too", async () => {
    const problems = await problemsOf(c, "restricted");
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.rule.startsWith("pod-security/"))).toBe(true);
  });

  test("validate exits 1 naming the file, line and control", async () => {
    const run = await runCli(["validate", "--pod-security", c.level, c.path]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`${c.path}:${c.line} error`);
    expect(run.stdout).toContain(`"${c.control}"`);
    expect(run.stdout).toContain(`[pod-security/${c.checkId}]`);
  });
});

describe.each(compliant.map((c) => [c.checkId, c] as const))("compliant %s", (_id, c) => {
  test(`passes ${c.level}, with no schema problem either`, async () => {
    expect(await problemsOf(c, c.level)).toEqual([]);
  });
});

describe("validate --pod-security from the command line", () => {
  test("the compliant variants pass: exit 0", async () => {
    const baseline = await runCli(["validate", "--pod-security", "baseline", ...compliant.map((c) => c.path)]);
    expect(baseline.stdout + baseline.stderr).toMatch(/Invalid: 0, Errors: 0/);
    expect(baseline.status).toBe(0);
    const restricted = await runCli(["validate", "--pod-security", "restricted", ...compliant.filter((c) => c.level === "restricted").map((c) => c.path)]);
    expect(restricted.status).toBe(0);
  });

  test("off by default: the violations are valid Kubernetes and pass without the flag", async () => {
    expect((await runCli(["validate", "--strict", join(dir, "violations")])).status).toBe(0);
  });

  test("JSON report: one problem per violation, with file, line, rule and path", async () => {
    const c = violations.find((v) => v.checkId === "runAsUser")!;
    const run = await runCli(["validate", "--pod-security", "restricted", "-o", "json", c.path]);
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout).problems).toEqual([
      expect.objectContaining({ rule: "pod-security/runAsUser", line: c.line, path: "spec.template.spec.securityContext.runAsUser", severity: "error", resource: "ReplicaSet cache" }),
    ]);
  });

  test("bad values are usage errors (exit 2) that say what is accepted", async () => {
    const level = await runCli(["validate", "--pod-security", "strict", dir]);
    expect(level.status).toBe(2);
    expect(level.stderr).toContain("baseline, restricted");
    const version = await runCli(["validate", "--pod-security", "restricted", "--pod-security-version", "1.x", dir]);
    expect(version.status).toBe(2);
    expect(version.stderr).toContain("v1.30");
    const orphan = await runCli(["validate", "--pod-security-version", "v1.30", dir]);
    expect(orphan.status).toBe(2);
    const engine = await runCli(["validate", "--pod-security", "restricted", "--engine", "kubeconform", dir]);
    expect(engine.status).toBe(2);
    expect(engine.stderr).toContain("embedded engine");
  });
});

describe("per container, per control", () => {
  const twoContainers = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: two
spec:
  selector:
    matchLabels: {app: two}
  template:
    metadata:
      labels: {app: two}
    spec:
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
      initContainers:
        - name: init
          image: busybox:1.37
          securityContext:
            capabilities:
              drop: ["ALL"]
      containers:
        - name: app
          image: registry.example/app:1
          securityContext:
            allowPrivilegeEscalation: false
            capabilities:
              drop: ["ALL"]
        - name: sidecar
          image: registry.example/sidecar:1
`;

  test("each container that breaks a control gets its own problem at its own line", async () => {
    const c: Case = { checkId: "", control: "", level: "restricted", path: "two.yaml", content: twoContainers };
    const problems = await problemsOf(c, "restricted");
    expect(problems.map((p) => `${p.line} ${p.rule} ${/container "(\w+)"/.exec(p.message)![1]}`)).toEqual([
      "19 pod-security/allowPrivilegeEscalation init",
      "29 pod-security/allowPrivilegeEscalation sidecar",
      "29 pod-security/capabilities_restricted sidecar",
    ]);
  });
});

describe("version-specific behaviour of the standard", () => {
  const pod = (spec: string) => `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
${spec}`;
  const rulesOf = async (content: string, level: Level, version?: string) =>
    (await problemsOf({ checkId: "", control: "", level, path: "p.yaml", content }, level, version)).map((p) => p.rule.replace("pod-security/", "")).sort();

  const bare = pod(`  containers:
    - name: c
      image: busybox:1.37
`);

  test("restricted at latest: privilege escalation, non-root, seccomp, capabilities", async () => {
    expect(await rulesOf(bare, "restricted")).toEqual(["allowPrivilegeEscalation", "capabilities_restricted", "runAsNonRoot", "seccompProfile_restricted"]);
    expect(await rulesOf(bare, "baseline")).toEqual([]);
  });

  test("seccomp is required from v1.19 and capabilities dropped from v1.22", async () => {
    expect(await rulesOf(bare, "restricted", "v1.18")).toEqual(["allowPrivilegeEscalation", "runAsNonRoot"]);
    expect(await rulesOf(bare, "restricted", "v1.21")).toEqual(["allowPrivilegeEscalation", "runAsNonRoot", "seccompProfile_restricted"]);
  });

  test("before v1.22 restricted judges added capabilities by the baseline list", async () => {
    const adds = pod(`  securityContext:
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: c
      image: busybox:1.37
      securityContext:
        allowPrivilegeEscalation: false
        capabilities:
          add: ["CHOWN"]
`);
    expect(await rulesOf(adds, "restricted", "v1.21")).toEqual([]);
    // v1.22: ALL is not dropped, and CHOWN is not the one capability restricted lets back.
    expect(await rulesOf(adds, "restricted", "v1.22")).toEqual(["capabilities_restricted", "capabilities_restricted"]);
  });

  test("Windows pods are exempt from privilege escalation, seccomp and capabilities from v1.25, not from non-root", async () => {
    const windows = pod(`  os: {name: windows}
  containers:
    - name: c
      image: mcr.microsoft.com/windows/nanoserver:ltsc2022
`);
    expect(await rulesOf(windows, "restricted")).toEqual(["runAsNonRoot"]);
    expect(await rulesOf(windows, "restricted", "v1.24")).toEqual(["allowPrivilegeEscalation", "capabilities_restricted", "runAsNonRoot", "seccompProfile_restricted"]);
  });

  test("runAsUser: 0 is refused from v1.23", async () => {
    const root = pod(`  securityContext:
    runAsNonRoot: true
    runAsUser: 0
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: c
      image: busybox:1.37
      securityContext:
        allowPrivilegeEscalation: false
        capabilities: {drop: ["ALL"]}
`);
    expect(await rulesOf(root, "restricted", "v1.22")).toEqual([]);
    expect(await rulesOf(root, "restricted", "v1.23")).toEqual(["runAsUser"]);
  });

  test("user-namespace pods (hostUsers: false) need not run as non-root from v1.35; restricted keeps /proc masked", async () => {
    const userns = pod(`  hostUsers: false
  securityContext:
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: c
      image: busybox:1.37
      securityContext:
        allowPrivilegeEscalation: false
        capabilities: {drop: ["ALL"]}
        procMount: Unmasked
`);
    expect(await rulesOf(userns, "restricted", "v1.34")).toEqual(["procMount", "runAsNonRoot"]);
    expect(await rulesOf(userns, "restricted", "v1.35")).toEqual(["procMount_restricted"]);
    expect(await rulesOf(userns, "baseline", "v1.35")).toEqual([]);
  });

  test("probe hosts are refused from v1.34; the safe sysctl set grows with the version", async () => {
    const probeHost = pod(`  containers:
    - name: c
      image: busybox:1.37
      livenessProbe:
        tcpSocket: {host: 10.0.0.1, port: 22}
`);
    expect(await rulesOf(probeHost, "baseline", "v1.33")).toEqual([]);
    expect(await rulesOf(probeHost, "baseline", "v1.34")).toEqual(["hostProbesAndHostLifecycle"]);
    const rmem = pod(`  securityContext:
    sysctls:
      - {name: net.ipv4.tcp_rmem, value: "4096 87380 6291456"}
  containers:
    - name: c
      image: busybox:1.37
`);
    expect(await rulesOf(rmem, "baseline", "v1.31")).toEqual(["sysctls"]);
    expect(await rulesOf(rmem, "baseline", "v1.32")).toEqual([]);
  });

  test("only core kinds are judged: a custom resource named Deployment is not a pod template", () => {
    const check = createPodSecurityCheck({ level: "restricted" });
    const deployment = (apiVersion: string) => ({ apiVersion, kind: "Deployment", metadata: { name: "x" }, spec: { template: { spec: { containers: [{ name: "c", image: "busybox" }] } } } });
    expect(check(deployment("example.com/v1"))).toEqual([]);
    expect(check(deployment("apps/v1")).map((v) => v.checkId)).toContain("runAsNonRoot");
    expect(check(deployment("extensions/v1beta1")).map((v) => v.checkId)).toContain("runAsNonRoot");
  });
});
