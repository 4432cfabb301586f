/**
 * The Kubernetes validator on inline manifests with the embedded schemas, plus CRD files and schema locations
 * (a temp folder, and an HTTP server on 127.0.0.1 with an on-disk cache).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createKubernetesValidator,
  embeddedKubernetesVersion,
  embeddedSources,
  type KubernetesValidator,
  type KubernetesValidatorOptions,
  validateFilesParallel,
} from "../src/validators/kubernetes/index.js";
import type { UnitResult } from "../src/validators/types.js";

const validators = new Map<string, KubernetesValidator>();
async function validate(content: string, options: KubernetesValidatorOptions = {}): Promise<UnitResult[]> {
  const key = JSON.stringify(options);
  let validator = validators.get(key);
  if (!validator) {
    validator = await createKubernetesValidator(options);
    validators.set(key, validator);
  }
  return validator.validateFile({ path: "manifests/test.yaml", content });
}
const strict = { strict: true };

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: demo
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
          image: nginx:1.27
          ports: [{containerPort: 8080, name: http}]
          resources:
            limits: {cpu: 1, memory: 512Mi}
            requests: {cpu: 250m}
`;

const VALID: Record<string, string> = {
  Deployment: DEPLOYMENT,
  Job: `apiVersion: batch/v1
kind: Job
metadata: {name: gpu-smoke-test}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      runtimeClassName: nvidia
      tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]
      containers:
        - name: cuda
          image: nvcr.io/nvidia/cuda:12.6.0-base-ubuntu22.04
          command: [nvidia-smi]
          resources:
            limits: {nvidia.com/gpu: 1}
`,
  Service: `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http, protocol: TCP}]
`,
  ConfigMap: `apiVersion: v1
kind: ConfigMap
metadata: {name: settings, creationTimestamp: null}
data: {LOG_LEVEL: info}
`,
  GitRepository: `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: cluster, namespace: flux-system}
spec:
  interval: 1m
  url: https://github.com/example/cluster
  ref: {branch: main}
  secretRef: {name: flux-system}
`,
  FluxKustomization: `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 10m
  path: ./clusters/prod/apps
  prune: true
  sourceRef: {kind: GitRepository, name: cluster}
  dependsOn: [{name: infrastructure}]
`,
  HelmRelease: `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: nvidia-device-plugin, namespace: kube-system}
spec:
  interval: 30m
  chart:
    spec:
      chart: nvidia-device-plugin
      version: 0.17.1
      sourceRef: {kind: HelmRepository, name: nvdp, namespace: flux-system}
  install: {crds: CreateReplace}
  values:
    gfd: {enabled: true}
    nodeSelector: {nvidia.com/gpu.present: "true"}
`,
  HelmRepository: `apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: nvdp, namespace: flux-system}
spec:
  interval: 1h
  url: https://nvidia.github.io/k8s-device-plugin
`,
  OCIRepository: `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: podinfo, namespace: flux-system}
spec:
  interval: 5m
  url: oci://ghcr.io/stefanprodan/manifests/podinfo
  ref: {semver: ">=6.0.0"}
`,
  Application: `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: gpu-operator, namespace: argocd}
spec:
  project: default
  source:
    repoURL: https://helm.ngc.nvidia.com/nvidia
    chart: gpu-operator
    targetRevision: v25.3.0
    helm:
      valuesObject: {driver: {enabled: false}}
  destination: {server: https://kubernetes.default.svc, namespace: gpu-operator}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [CreateNamespace=true, ServerSideApply=true]
`,
  AppProject: `apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: platform, namespace: argocd}
spec:
  sourceRepos: ["*"]
  destinations: [{server: https://kubernetes.default.svc, namespace: "*"}]
  clusterResourceWhitelist: [{group: "*", kind: "*"}]
`,
  ApplicationSet: `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: apps, namespace: argocd}
spec:
  generators:
    - git:
        repoURL: https://github.com/example/cluster
        revision: HEAD
        directories: [{path: apps/*}]
  template:
    metadata: {name: "{{path.basename}}"}
    spec:
      project: default
      source: {repoURL: https://github.com/example/cluster, targetRevision: HEAD, path: "{{path}}"}
      destination: {server: https://kubernetes.default.svc, namespace: "{{path.basename}}"}
`,
  KustomizeKustomization: `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: apps
resources: [deployment.yaml, service.yaml]
images: [{name: nginx, newTag: "1.27"}]
`,
};

describe("embedded schemas", () => {
  it("describe a current Kubernetes and name their sources: the releases the blueprints pin", () => {
    const [major, minor] = embeddedKubernetesVersion().split(".").map(Number);
    expect(major).toBe(1);
    expect(minor).toBeGreaterThanOrEqual(33);
    expect(embeddedSources()).toMatchObject({ kubernetes: `v${embeddedKubernetesVersion()}`, flux: "v2.9.4", "argo-cd": "v3.5.1" });
    expect(Object.keys(embeddedSources())).toContain("@kubernetes/client-node");
  });

  it.each(Object.entries(VALID))("accept a valid %s, strict and not", async (_kind, manifest) => {
    for (const options of [{}, strict]) {
      const [result, ...rest] = await validate(manifest, options);
      expect(rest).toEqual([]);
      expect(result?.problems).toEqual([]);
      expect(result?.status).toBe("valid");
    }
  });

  it("label results and give each resource its document line", async () => {
    const results = await validate(`# leading comment\n---\n${DEPLOYMENT}---\n# only a comment\n---\n${VALID.Service}`);
    expect(results.map((r) => [r.label, r.line, r.validator])).toEqual([
      ["Deployment demo/web", 3, "kubernetes"],
      ["Service web", 26, "kubernetes"],
    ]);
  });

  it("report an unknown field only in strict mode, at the field's line", async () => {
    const manifest = DEPLOYMENT.replace("  replicas: 2\n", "  replicas: 2\n  bogus: true\n");
    expect((await validate(manifest))[0]?.status).toBe("valid");
    const [result] = await validate(manifest, strict);
    expect(result?.status).toBe("invalid");
    expect(result?.problems).toEqual([
      { file: "manifests/test.yaml", line: 8, resource: "Deployment demo/web", rule: "k8s-unknown-field", path: "spec", message: 'spec: unknown field "bogus"', severity: "error" },
    ]);
  });

  it("report a wrong type with its JSON path and line", async () => {
    const manifest = DEPLOYMENT.replace("limits: {cpu: 1, memory: 512Mi}", "limits: 1");
    const [result] = await validate(manifest);
    expect(result?.status).toBe("invalid");
    expect(result?.problems).toHaveLength(1);
    expect(result?.problems[0]).toMatchObject({
      line: 19,
      rule: "k8s-schema",
      path: "spec.template.spec.containers[0].resources.limits",
      message: "spec.template.spec.containers[0].resources.limits must be object",
    });
  });

  it("report a missing required field at the line of its parent object", async () => {
    const manifest = DEPLOYMENT.replace("  selector:\n    matchLabels: {app: web}\n", "");
    const [result] = await validate(manifest);
    expect(result?.status).toBe("invalid");
    expect(result?.problems[0]).toMatchObject({ line: 6, path: "spec", message: 'spec: missing required field "selector"' });
  });

  it("report a bad enum value and a wrong type inside a Flux kind", async () => {
    const manifest = VALID.GitRepository!.replace("interval: 1m", "interval: 1\n  provider: gitlab");
    const [result] = await validate(manifest);
    expect(result?.status).toBe("invalid");
    expect(result?.problems.map((p) => [p.line, p.message])).toEqual([
      [5, "spec.interval must be string"],
      [6, 'spec.provider must be one of "generic", "aws", "azure", "github"'],
    ]);
  });

  it("treat duplicate keys as an error only in strict mode", async () => {
    const manifest = VALID.ConfigMap!.replace("data: {LOG_LEVEL: info}", "data: {LOG_LEVEL: info}\ndata: {LOG_LEVEL: debug}");
    expect((await validate(manifest))[0]?.status).toBe("valid");
    const [result] = await validate(manifest, strict);
    expect(result).toMatchObject({ status: "error", label: "ConfigMap settings" });
    expect(result?.problems[0]).toMatchObject({ rule: "k8s-duplicate-key", line: 5, message: 'duplicate key "data"' });
  });

  it("reject obsolete API versions with the version to use", async () => {
    const [old] = await validate(DEPLOYMENT.replace("apps/v1", "extensions/v1beta1"));
    expect(old).toMatchObject({ status: "error" });
    expect(old?.problems[0]).toMatchObject({ rule: "k8s-missing-schema", message: "no schema for extensions/v1beta1 Deployment; Deployment is served as apps/v1 Deployment" });
    const [helm] = await validate(VALID.HelmRelease!.replace("helm.toolkit.fluxcd.io/v2", "helm.toolkit.fluxcd.io/v2beta1"));
    expect(helm?.status).toBe("error");
    expect(helm?.problems[0]).toMatchObject({ rule: "k8s-unserved-version", line: 1 });
    expect(helm?.problems[0]?.message).toMatch(/^helm\.toolkit\.fluxcd\.io\/v2beta1 HelmRelease is not served by Flux v2\.\d+\.\d+, whose CRD serves HelmRelease as helm\.toolkit\.fluxcd\.io\/v2: /);
  });

  it("report missing kind, missing apiVersion and YAML syntax errors, and go on with the other documents", async () => {
    const results = await validate(`kind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nmetadata: {name: b}\n---\nkey: [unclosed\n---\n${VALID.Service}`);
    expect(results.map((r) => [r.status, r.problems[0]?.rule, r.problems[0]?.line])).toEqual([
      ["error", "k8s-missing-apiversion", 1],
      ["error", "k8s-missing-kind", 4],
      // The unclosed flow sequence runs to the end of its document: the error points at the document's last line.
      ["error", "k8s-yaml-syntax", 7],
      ["valid", undefined, undefined],
    ]);
  });

  it("expand kind: List, skip empty documents, skip kinds and missing schemas on request", async () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n- ${VALID.ConfigMap!.trimEnd().replace(/\n/g, "\n  ")}\n- apiVersion: example.com/v1\n  kind: Widget\n  metadata: {name: w}\n`;
    expect((await validate(list)).map((r) => [r.status, r.label])).toEqual([
      ["valid", "ConfigMap settings"],
      ["error", "Widget w"],
    ]);
    expect((await validate(list, { ignoreMissingSchemas: true })).map((r) => r.status)).toEqual(["valid", "skipped"]);
    expect((await validate(list, { skipKinds: ["example.com/v1/Widget", "ConfigMap"] })).map((r) => r.status)).toEqual(["skipped", "skipped"]);
    expect(await validate("---\n# nothing\n---\n")).toEqual([]);
  });
});

describe("CRD files and schema locations", () => {
  let dir: string;
  let server: Server;
  let baseUrl: string;
  const requests: string[] = [];
  const WIDGET_SCHEMA = {
    type: "object",
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
      spec: { type: "object", required: ["size"], properties: { size: { type: "integer", minimum: 1 }, color: { type: "string" } } },
    },
  };
  const widget = (spec: string) => `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n${spec}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "k8s-validator-"));
    writeFileSync(
      join(dir, "crd.yaml"),
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [size]
              properties:
                size: {type: integer, minimum: 1}
                extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
`,
    );
    mkdirSync(join(dir, "schemas/example.com"), { recursive: true });
    writeFileSync(join(dir, "schemas/example.com/widget_v1.json"), JSON.stringify(WIDGET_SCHEMA));
    server = createServer((request, response) => {
      requests.push(request.url ?? "");
      if (request.url === "/example.com/widget_v1.json") {
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(WIDGET_SCHEMA));
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("use a CRD's openAPIV3Schema, rejecting unknown fields in strict mode except where unknown fields are kept", async () => {
    const crdFiles = [join(dir, "crd.yaml")];
    expect((await validate(widget("  size: 2\n  extra: {anything: 1}\n"), { crdFiles, strict: true }))[0]?.status).toBe("valid");
    const [bad] = await validate(widget("  size: 0\n  colour: red\n"), { crdFiles, strict: true });
    expect(bad?.status).toBe("invalid");
    expect(bad?.problems.map((p) => [p.line, p.message])).toEqual([
      [6, 'spec: unknown field "colour"'],
      [5, "spec.size must be >= 1"],
    ]);
    expect((await validate(widget("  size: 0\n  colour: red\n"), { crdFiles }))[0]?.problems.map((p) => p.message)).toEqual(["spec.size must be >= 1"]);
  });

  it("read schemas from a location template in a local folder, then fall back to the embedded ones", async () => {
    const options = { schemaLocations: [join(dir, "schemas/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"), "default"] };
    const results = await validate(`${widget("  color: red\n")}---\n${VALID.ConfigMap}`, options);
    expect(results.map((r) => [r.status, r.problems[0]?.message])).toEqual([
      ["invalid", 'spec: missing required field "size"'],
      ["valid", undefined],
    ]);
    const [missing] = await validate(VALID.ConfigMap!, { schemaLocations: [join(dir, "schemas/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json")] });
    expect(missing?.problems[0]).toMatchObject({ rule: "k8s-missing-schema", message: "no schema for v1 ConfigMap" });
  });

  it("fetch schemas over HTTP, keep them in the cache folder and read them from there on the next run", async () => {
    const cacheDir = join(dir, "cache");
    const options = { schemaLocations: [`${baseUrl}/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`], cacheDir };
    const first = await createKubernetesValidator(options);
    expect((await first.validateFile({ path: "w.yaml", content: widget("  size: 3\n") }))[0]?.status).toBe("valid");
    expect((await first.validateFile({ path: "g.yaml", content: `apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g}\n` }))[0]?.problems[0]?.rule).toBe("k8s-missing-schema");
    expect(requests).toEqual(["/example.com/widget_v1.json", "/example.com/gadget_v1.json"]);
    expect(readdirSync(cacheDir)).toHaveLength(1);

    const second = await createKubernetesValidator(options);
    const [result] = await second.validateFile({ path: "w.yaml", content: widget("  size: many\n") });
    expect(result?.problems.map((p) => p.message)).toEqual(["spec.size must be integer"]);
    expect(requests).toHaveLength(2);
  });
});

describe("validateFilesParallel", () => {
  let dir: string;
  let paths: string[];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "k8s-parallel-"));
    paths = Object.entries(VALID).map(([name, manifest], i) => {
      const path = join(dir, `${String(i).padStart(2, "0")}-${name}.yaml`);
      writeFileSync(path, i === 3 ? manifest.replace("data:", "data: 1\nbogus:") : manifest);
      return path;
    });
    paths.push(join(dir, "missing.yaml"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const expected = () => [
    ...Object.keys(VALID).map((_, i) => (i === 3 ? "invalid" : "valid")),
    "error",
  ];

  it("validates files from disk in order, in this thread for small inputs", async () => {
    const results = await validateFilesParallel(paths, { strict: true });
    expect(results.map((r) => r.status)).toEqual(expected());
    expect(results.map((r) => r.file)).toEqual(paths);
    expect(results.at(-1)?.problems[0]?.rule).toBe("k8s-read-error");
  });

  // The worker runs compiled code: dist/ exists after `npm run build` (which `npm test` runs first).
  const distIndex = fileURLToPath(new URL("../dist/validators/kubernetes/index.js", import.meta.url));
  it.skipIf(!existsSync(distIndex))("gives the same results through worker threads (dist/)", async () => {
    const dist = (await import(distIndex)) as typeof import("../src/validators/kubernetes/index.js");
    const results = await dist.validateFilesParallel(paths, { strict: true }, { workers: 2, minBytesForWorkers: 0 });
    expect(results.map((r) => r.status)).toEqual(expected());
    expect(results.map((r) => r.file)).toEqual(paths);
  });
});
