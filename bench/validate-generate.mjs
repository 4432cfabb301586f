/**
 * The validation benchmarks' corpus: realistic resources (Deployments, Services, ConfigMaps, GPU Jobs, Flux
 * HelmRelease/Kustomization/GitRepository/HelmRepository, Argo CD Applications), 50 to a file, in apps/<0..12>/.
 * Deterministic, and a consistent GitOps repository: every Flux path, source and dependency it names exists, so
 * that `validate --strict` finds every resource valid and the benchmark measures the whole command.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const PER_FILE = 50;
const APP_DIRS = 13;

const templates = [
  (n, context) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-${n}
  namespace: team-${n % 17}
  labels: {app.kubernetes.io/name: web-${n}, app.kubernetes.io/part-of: shop}
spec:
  replicas: ${1 + (n % 5)}
  selector:
    matchLabels: {app.kubernetes.io/name: web-${n}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}}
  template:
    metadata:
      labels: {app.kubernetes.io/name: web-${n}}
    spec:
      serviceAccountName: web
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: app
          image: registry.example.com/web:1.${n % 40}.0
          args: ["--port=8080", "--log-level=info"]
          ports: [{name: http, containerPort: 8080, protocol: TCP}]
          env:
            - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
            - {name: CACHE_SIZE, value: "${n % 512}"}
          readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 5}
          resources:
            requests: {cpu: ${50 + (n % 10) * 10}m, memory: 128Mi}
            limits: {cpu: 1, memory: 256Mi}
          volumeMounts: [{name: config, mountPath: /etc/web, readOnly: true}]
      volumes:
        - name: config
          configMap: {name: web-${n}}
`,
  (n, context) => `apiVersion: v1
kind: Service
metadata: {name: web-${n}, namespace: team-${n % 17}}
spec:
  type: ClusterIP
  selector: {app.kubernetes.io/name: web-${n}}
  ports: [{name: http, port: 80, targetPort: http, protocol: TCP}]
`,
  (n, context) => `apiVersion: v1
kind: ConfigMap
metadata: {name: web-${n}, namespace: team-${n % 17}}
data:
  LOG_LEVEL: info
  FEATURE_FLAGS: "a,b,c"
  config.yaml: |
    listen: :8080
    upstream: http://api-${n % 9}.svc:8080
`,
  (n, context) => `apiVersion: batch/v1
kind: Job
metadata: {name: gpu-smoke-test-${n}, namespace: gpu-tests}
spec:
  backoffLimit: 0
  ttlSecondsAfterFinished: 3600
  template:
    spec:
      restartPolicy: Never
      runtimeClassName: nvidia
      nodeSelector: {nvidia.com/gpu.present: "true"}
      tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]
      containers:
        - name: cuda
          image: nvcr.io/nvidia/cuda:12.6.0-base-ubuntu22.04
          command: [nvidia-smi, -L]
          resources:
            limits: {nvidia.com/gpu: ${1 + (n % 2)}, memory: 1Gi}
`,
  (n, context) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: release-${n}, namespace: flux-system}
spec:
  interval: 30m
  releaseName: release-${n}
  targetNamespace: apps-${n % 11}
  chart:
    spec:
      chart: podinfo
      version: "6.${n % 9}.x"
      sourceRef: {kind: HelmRepository, name: podinfo-${n % 3}, namespace: flux-system}
  install: {remediation: {retries: 3}}
  upgrade: {remediation: {retries: 3}}
  values:
    replicaCount: 2
    resources: {limits: {memory: 256Mi}}
`,
  (n, context) => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps-${n}, namespace: flux-system}
spec:
  interval: 10m
  path: ./apps/${n % 13}
  prune: true
  wait: true
  timeout: 5m
  sourceRef: {kind: GitRepository, name: cluster-${n % 3}}
${context.previousKustomization ? `  dependsOn: [{name: ${context.previousKustomization}}]\n` : ""}`,
  (n, context) => `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: cluster-${n % 3}, namespace: flux-system}
spec:
  interval: 1m
  url: https://github.com/example/cluster-${n % 3}
  ref: {branch: main}
  secretRef: {name: flux-system}
`,
  (n, context) => `apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: podinfo-${n % 3}, namespace: flux-system}
spec:
  interval: 1h
  url: https://stefanprodan.github.io/podinfo
`,
  (n, context) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: app-${n}, namespace: argocd}
spec:
  project: default
  source:
    repoURL: https://github.com/example/apps
    targetRevision: HEAD
    path: apps/${n % 13}
  destination: {server: https://kubernetes.default.svc, namespace: apps-${n % 11}}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [CreateNamespace=true]
`,
];

/** Writes `files` files of PER_FILE resources below `dir` (emptied first); returns the number of resources. */
export function writeCorpus(dir, files) {
  rmSync(dir, { recursive: true, force: true });
  for (let app = 0; app < APP_DIRS; app++) mkdirSync(join(dir, "apps", String(app)), { recursive: true });
  const texts = corpusTexts(files);
  texts.forEach((text, file) => writeFileSync(join(dir, "apps", String(file % APP_DIRS), `manifests-${String(file).padStart(4, "0")}.yaml`), text));
  return texts.length * PER_FILE;
}

/** The text of each of the corpus's first `files` files (also read by test/yaml-common-subset.test.ts). */
export function corpusTexts(files) {
  const context = { previousKustomization: undefined };
  const texts = [];
  for (let file = 0; file < files; file++) {
    const documents = [];
    for (let i = 0; i < PER_FILE; i++) {
      const n = file * PER_FILE + i;
      const template = templates[(n * 7 + file) % templates.length];
      documents.push(template(n, context));
      // Each Flux Kustomization depends on the one before it: dependsOn names that exist, as in a real repository.
      if (template === templates[5]) context.previousKustomization = `apps-${n}`;
    }
    texts.push(`# generated by bench/validate-generate.mjs\n${documents.join("---\n")}`);
  }
  return texts;
}

/** A small two-resource file, for cold-start timing. */
export function smallManifest() {
  return templates[0](1, {}) + "---\n" + templates[1](1, {});
}
