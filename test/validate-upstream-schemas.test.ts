/**
 * The embedded schemas are the upstream ones (issue 13, points 2 and 5): Flux 2.9 and Argo CD 3.5 kinds as their CRDs
 * define them (fields added in those releases accepted by --strict, the CRDs' patterns and enums enforced), Kubernetes
 * kinds with the enums of the official OpenAPI v3 documents, and null refused for a required field. Runs the built
 * CLI on manifests written for these cases; each was wrong before (rejected, or accepted when invalid).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCli, tempDir } from "./helpers/cli.js";

interface JsonReport {
  summary: { resources: number; valid: number; invalid: number; errors: number };
  problems: { file: string; line?: number; rule: string; message: string; severity: string; resource?: string }[];
}

const dir = tempDir("ccr-upstream-schemas-");

async function validate(name: string, manifest: string, extra: string[] = []) {
  const file = join(dir, name);
  writeFileSync(file, manifest);
  const run = await runCli(["validate", "--strict", "--no-gitops", "-o", "json", ...extra, file]);
  return { status: run.status, report: JSON.parse(run.stdout) as JsonReport, stderr: run.stderr };
}

// Fields that Flux 2.9 serves (checked against the CRDs of source-controller v1.9, kustomize-controller v1.9.4,
// helm-controller v1.6.3 and notification-controller v1.9.3).
const FLUX_2_9 = `apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata: {name: github-oidc, namespace: flux-system}
spec:
  type: generic-oidc
  resources:
    - {kind: GitRepository, name: cluster}
  oidcProviders:
    - issuerURL: https://token.actions.githubusercontent.com
      audience: flux-receiver
      validations:
        - expression: claims.repository == 'acme/cluster'
          message: only the cluster repository may trigger a reconcile
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: platform, namespace: flux-system}
spec:
  interval: 10m
  url: oci://registry.example.com/platform/manifests
  ref: {semver: ">=1.0.0"}
  verify:
    provider: cosign
    trustedRootSecretRef: {name: sigstore-trusted-root}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 1h30m
  prune: true
  path: ./apps
  sourceRef: {kind: OCIRepository, name: platform}
  ignore:
    - paths: ["*.md", "docs/"]
    - paths: ["secrets.enc.yaml"]
      target: {kind: Secret}
  buildMetadata: [originAnnotations]
  postBuild:
    substituteStrategy: Always
    substitute: {cluster: production}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: ingress, namespace: ingress}
spec:
  interval: 30m
  chartRef: {kind: OCIRepository, name: ingress-chart, namespace: flux-system}
  postRenderStrategy: combined
  valuesFrom:
    - kind: ConfigMap
      name: ingress-values
      valuesKey: replicas
      targetPath: controller.replicaCount
      literal: true
`;

// Argo CD 3.5 AppProject fields (argo-cd v3.5.1 appproject-crd.yaml). `syncOverrun` belongs to a sync window.
const ARGO_CD_3_5 = `apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: platform, namespace: argocd}
spec:
  sourceRepos: ["https://git.example.com/platform/*"]
  destinations:
    - {server: "https://kubernetes.default.svc", namespace: "*"}
  sourceIntegrity:
    git:
      policies:
        - repos: [{url: "https://git.example.com/platform/*"}]
          gpg:
            mode: strict
            keys: [4AEE18F83AFDEB23]
  syncWindows:
    - kind: deny
      schedule: "0 22 * * *"
      duration: 8h
      applications: ["*"]
      syncOverrun: true
`;

describe("Flux 2.9 and Argo CD 3.5 kinds, as their CRDs define them", () => {
  test("fields new in Flux 2.9 pass --strict", async () => {
    const { status, report } = await validate("flux-2.9.yaml", FLUX_2_9);
    expect(report.problems).toEqual([]);
    expect(report.summary).toMatchObject({ resources: 4, valid: 4 });
    expect(status).toBe(0);
  });

  test("fields new in Argo CD 3.5 pass --strict", async () => {
    const { status, report } = await validate("argo-cd-3.5.yaml", ARGO_CD_3_5);
    expect(report.problems).toEqual([]);
    expect(status).toBe(0);
  });

  test("the CRDs' constraints are enforced: interval patterns, enums, required fields of new structures", async () => {
    const broken = FLUX_2_9.replace("interval: 1h30m", "interval: 90 minutes")
      .replace("substituteStrategy: Always", "substituteStrategy: Sometimes")
      .replace("postRenderStrategy: combined", "postRenderStrategy: all")
      .replace(/ {6}validations:\n.*\n.*\n/, "");
    const { status, report } = await validate("flux-broken.yaml", broken);
    expect(status).toBe(1);
    const messages = report.problems.map((problem) => `${problem.resource}: ${problem.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'Receiver flux-system/github-oidc: spec.oidcProviders[0]: missing required field "validations"',
        `Kustomization flux-system/apps: spec.interval must match pattern ${JSON.stringify("^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$")}`,
        'Kustomization flux-system/apps: spec.postBuild.substituteStrategy must be one of "WithVariables", "Always"',
        'HelmRelease ingress/ingress: spec.postRenderStrategy must be one of "nohooks", "combined", "separate"',
      ]),
    );
    expect(report.problems).toHaveLength(4);
  });

  test("a Kustomization source kind outside the CRD's enum and an Argo CD sync window with a wrong type are refused", async () => {
    const kustomization = FLUX_2_9.split("---\n")[2]!.replace("kind: OCIRepository", "kind: HelmRepository");
    const project = ARGO_CD_3_5.replace("syncOverrun: true", 'syncOverrun: "yes"');
    const { status, report } = await validate("mixed-broken.yaml", `${kustomization}---\n${project}`);
    expect(status).toBe(1);
    expect(report.problems.map((problem) => problem.message)).toEqual([
      'spec.sourceRef.kind must be one of "OCIRepository", "GitRepository", "Bucket", "ExternalArtifact"',
      "spec.syncWindows[0].syncOverrun must be boolean",
    ]);
  });

  test("a custom resource's metadata is checked as any object's (the CRDs only say `type: object`)", async () => {
    const manifest = FLUX_2_9.split("---\n")[3]!.replace("metadata: {name: ingress, namespace: ingress}", "metadata: {name: ingress, namespace: {team: ingress}, labelz: {}}");
    const { status, report } = await validate("metadata.yaml", manifest);
    expect(status).toBe(1);
    expect(report.problems.map((problem) => problem.message)).toEqual(['metadata: unknown field "labelz"', "metadata.namespace must be string"]);
  });
});

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.4.2
          imagePullPolicy: IfNotPresent
          args:
          ports:
            - {name: http, containerPort: 8080, protocol: TCP}
`;

describe("Kubernetes kinds: required-but-null and the OpenAPI v3 enums", () => {
  test("a valid Deployment passes, an optional field left empty (null) included", async () => {
    const { status, report } = await validate("deployment.yaml", DEPLOYMENT);
    expect(report.problems).toEqual([]);
    expect(status).toBe(0);
  });

  test("empty `selector:` and `template:` (null) fail --strict, as in kubeconform and the API server", async () => {
    const manifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector:
  template:
`;
    const { status, report } = await validate("deployment-null.yaml", manifest);
    expect(status).toBe(1);
    expect(report.problems).toEqual([
      expect.objectContaining({ line: 6, rule: "k8s-schema", message: "spec.selector must be object" }),
      expect.objectContaining({ line: 7, rule: "k8s-schema", message: "spec.template must be object" }),
    ]);
  });

  test("a required list that is null fails too; the container's name is required and must not be null", async () => {
    const manifest = DEPLOYMENT.replace("        - name: web\n", "        - name:\n");
    const { status, report } = await validate("container-null.yaml", manifest);
    expect(status).toBe(1);
    expect(report.problems.map((problem) => problem.message)).toEqual(["spec.template.spec.containers[0].name must be string"]);
  });

  test("`protocol: tcp` and other values outside the API's enums fail, with the allowed values", async () => {
    const manifest = DEPLOYMENT.replace("protocol: TCP", "protocol: tcp").replace("imagePullPolicy: IfNotPresent", "imagePullPolicy: IfMissing");
    const { status, report } = await validate("enums.yaml", manifest);
    expect(status).toBe(1);
    expect(report.problems.map((problem) => [problem.line, problem.message])).toEqual([
      [15, 'spec.template.spec.containers[0].imagePullPolicy must be one of "Always", "IfNotPresent", "Never"'],
      [18, 'spec.template.spec.containers[0].ports[0].protocol must be one of "SCTP", "TCP", "UDP"'],
    ]);
  });

  test("enums reach Services, tolerations and volumes; an empty optional enum value is read as unset", async () => {
    const manifest = `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  ipFamilyPolicy: PreferDualStack
  ports: [{port: 80, protocol: ""}]
---
apiVersion: v1
kind: Pod
metadata: {name: debug}
spec:
  restartPolicy: Sometimes
  tolerations: [{key: gpu, operator: Exists, effect: NoSchedule}]
  containers: [{name: sh, image: busybox}]
  volumes: [{name: host, hostPath: {path: /var/log, type: Folder}}]
`;
    const { status, report } = await validate("enums-core.yaml", manifest);
    expect(status).toBe(1);
    expect(report.problems.map((problem) => `${problem.resource}: ${problem.message}`)).toEqual([
      'Pod debug: spec.restartPolicy must be one of "Always", "Never", "OnFailure"',
      'Pod debug: spec.volumes[0].hostPath.type must be one of "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"',
    ]);
  });
});
