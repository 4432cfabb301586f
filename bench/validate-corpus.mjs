#!/usr/bin/env node
/**
 * Benchmark of the Kubernetes validator (not a test: figures depend on the machine).
 *
 * 1. Writes a deterministic corpus of 20,000 resources in 400 multi-document files to .bench/corpus (git-ignored):
 *    Deployments, Services, ConfigMaps, GPU Jobs, Flux HelmRelease/Kustomization/GitRepository, Argo CD Applications.
 * 2. Runs bench/validate-cli.mjs on it in strict mode as a whole process (all cores, then one thread): resources/s
 *    and peak RSS.
 * 3. Cold start: whole-process validation of one small file, median of several runs, next to a bare `node -e 0`.
 *
 * Needs dist/ (`npx tsc -p tsconfig.build.json`). Run: `node bench/validate-corpus.mjs [--runs N]`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const corpus = join(root, ".bench", "corpus");
const cli = join(root, "bench", "validate-cli.mjs");
const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 5;
const FILES = 400;
const PER_FILE = 50;

if (!existsSync(join(root, "dist", "validators", "kubernetes", "index.js"))) {
  console.error("dist/ is missing: run `npx tsc -p tsconfig.build.json` first");
  process.exit(2);
}

// ------------------------------------------------------------------ corpus

const templates = [
  (n) => `apiVersion: apps/v1
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
  (n) => `apiVersion: v1
kind: Service
metadata: {name: web-${n}, namespace: team-${n % 17}}
spec:
  type: ClusterIP
  selector: {app.kubernetes.io/name: web-${n}}
  ports: [{name: http, port: 80, targetPort: http, protocol: TCP}]
`,
  (n) => `apiVersion: v1
kind: ConfigMap
metadata: {name: web-${n}, namespace: team-${n % 17}}
data:
  LOG_LEVEL: info
  FEATURE_FLAGS: "a,b,c"
  config.yaml: |
    listen: :8080
    upstream: http://api-${n % 9}.svc:8080
`,
  (n) => `apiVersion: batch/v1
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
  (n) => `apiVersion: helm.toolkit.fluxcd.io/v2
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
      sourceRef: {kind: HelmRepository, name: podinfo, namespace: flux-system}
  install: {remediation: {retries: 3}}
  upgrade: {remediation: {retries: 3}}
  values:
    replicaCount: 2
    resources: {limits: {memory: 256Mi}}
`,
  (n) => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps-${n}, namespace: flux-system}
spec:
  interval: 10m
  path: ./apps/${n % 13}
  prune: true
  wait: true
  timeout: 5m
  sourceRef: {kind: GitRepository, name: cluster-${n % 3}}
  dependsOn: [{name: infrastructure}]
`,
  (n) => `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: cluster-${n}, namespace: flux-system}
spec:
  interval: 1m
  url: https://github.com/example/cluster-${n % 3}
  ref: {branch: main}
  secretRef: {name: flux-system}
`,
  (n) => `apiVersion: argoproj.io/v1alpha1
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

rmSync(corpus, { recursive: true, force: true });
mkdirSync(corpus, { recursive: true });
let resourceCount = 0;
for (let file = 0; file < FILES; file++) {
  const documents = [];
  for (let i = 0; i < PER_FILE; i++) {
    const n = file * PER_FILE + i;
    documents.push(templates[(n * 7 + file) % templates.length](n));
    resourceCount++;
  }
  writeFileSync(join(corpus, `manifests-${String(file).padStart(3, "0")}.yaml`), `# generated by bench/validate-corpus.mjs\n${documents.join("---\n")}`);
}
const small = join(root, ".bench", "small.yaml");
writeFileSync(small, templates[0](1) + "---\n" + templates[1](1));

// ------------------------------------------------------------------ measurements

const timeBin = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

/** Runs a node command; wall time in seconds, peak RSS in MiB (from /usr/bin/time when present), parsed stdout. */
function run(args) {
  const command = timeBin ? [timeBin, ["-f", "%M", process.execPath, ...args]] : [process.execPath, args];
  const start = process.hrtime.bigint();
  const child = spawnSync(command[0], command[1], { encoding: "utf8", maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rssKb = timeBin ? Number(child.stderr.trim().split("\n").pop()) : NaN;
  return { seconds, rssMiB: rssKb / 1024, status: child.status, stdout: child.stdout, stderr: child.stderr };
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function throughput(extra) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const result = run([cli, "--strict", "--summary", ...extra, corpus]);
    const report = JSON.parse(result.stdout);
    if (report.summary.resources !== resourceCount || report.summary.valid !== resourceCount) {
      throw new Error(`unexpected summary ${JSON.stringify(report.summary)}\n${result.stderr}`);
    }
    samples.push(result);
  }
  const seconds = median(samples.map((s) => s.seconds));
  return { seconds: +seconds.toFixed(3), resourcesPerSecond: Math.round(resourceCount / seconds), peakRssMiB: +Math.max(...samples.map((s) => s.rssMiB)).toFixed(1) };
}

const coldSamples = [];
const bareSamples = [];
for (let i = 0; i < runs * 2; i++) {
  coldSamples.push(run([cli, "--strict", "--summary", small]).seconds);
  bareSamples.push(run(["-e", "0"]).seconds);
}

const results = {
  node: process.version,
  cores: availableParallelism(),
  corpus: { files: FILES, resources: resourceCount, path: ".bench/corpus" },
  strictAllCores: throughput([]),
  strictOneThread: throughput(["--workers", "1"]),
  coldStartSmallFile: {
    medianSeconds: +median(coldSamples).toFixed(3),
    bareNodeMedianSeconds: +median(bareSamples).toFixed(3),
    overBareNodeSeconds: +(median(coldSamples) - median(bareSamples)).toFixed(3),
  },
  runsPerFigure: runs,
};
console.log(JSON.stringify(results, null, 1));
