/**
 * `validate` on layouts of real GitOps repositories, round 2 (issue 23), through the CLI's own entry (run `npm run
 * build` first). One corpus folder per root cause in test/fixtures/real-world, written by hand from the constructs
 * those repositories use (no copied content): each test names its cause, checks that the folder validates with no
 * false alarm, and that a real mistake in it is still reported, so a regression says which cause came back.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, test } from "vitest";
import { tempDir } from "./helpers/cli.js";
import { copyOfCase, editCase, validateJson } from "./helpers/corpus-copy.js";

interface JsonReport {
  valid: boolean;
  summary: Record<string, unknown>;
  problems: { file: string; line?: number; rule: string; message: string; severity: string; path?: string | null }[];
  resources: { file: string; line: number | null; validator: string; status: string; resource: string | null; notChecked?: string }[];
}

const copyOf = (name: string): string => copyOfCase(name, "ccr-real-world-r2-");

const edit = editCase;

/** The 1-based line of the first line of `file` in the corpus case `name` that contains `text`. */
function lineOf(dir: string, file: string, text: string): number {
  const index = readFileSync(join(dir, file), "utf8").split("\n").findIndex((line) => line.includes(text));
  if (index < 0) throw new Error(`"${text}" not in ${file}`);
  return index + 1;
}

const validate = (dir: string, args: string[] = []) => validateJson<JsonReport>(dir, ["--strict", ...args]);

const rules = (report: JsonReport) => report.problems.map((problem) => [problem.rule, problem.file, problem.line]);

describe("root cause 9: actionlint's table of GitHub-hosted runner labels is older than GitHub's", () => {
  test("labels GitHub hosts today are no warning; a retired hosted label is one, at its line", async () => {
    const dir = copyOf("hosted-runners");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);

    const line = edit(dir, ".github/workflows/ci.yml", "runs-on: ubuntu-slim", "runs-on: ubuntu-20.04");
    const retired = await validate(dir);
    expect(retired.status).toBe(0);
    expect(retired.report.problems.map((problem) => [problem.rule, problem.line, problem.severity])).toEqual([["actionlint-runner-label", line, "warning"]]);
    expect(retired.report.problems[0]!.message).toContain('"ubuntu-20.04" is a GitHub-hosted runner GitHub has retired');
    // A label no one hosts is still actionlint's warning; one the configuration declares is none.
    edit(dir, ".github/workflows/ci.yml", "runs-on: ubuntu-20.04", "runs-on: ubuntu-slimm");
    expect(rules((await validate(dir)).report)).toEqual([["actionlint-runner-label", ".github/workflows/ci.yml", line]]);
    writeFileSync(join(dir, ".github", "actionlint.yaml"), "self-hosted-runner:\n  labels: [ubuntu-slimm]\n");
    expect((await validate(dir)).report.problems).toEqual([]);
  });
});

describe("root cause 8: API versions the targeted Flux release no longer serves", () => {
  test("are errors naming the served version, with or without --ignore-missing-schemas", async () => {
    const dir = copyOf("flux-served-versions");
    expect((await validate(dir)).report.problems).toEqual([]);
    const lines = [
      edit(dir, "apps/web/release.yaml", "helm.toolkit.fluxcd.io/v2\n", "helm.toolkit.fluxcd.io/v2beta2\n"),
      edit(dir, "clusters/home/sources.yaml", "source.toolkit.fluxcd.io/v1\nkind: HelmRepository", "source.toolkit.fluxcd.io/v1beta2\nkind: HelmRepository"),
      edit(dir, "clusters/home/alerts.yaml", "notification.toolkit.fluxcd.io/v1beta3\nkind: Alert", "notification.toolkit.fluxcd.io/v1beta2\nkind: Alert"),
    ];
    for (const args of [[], ["--ignore-missing-schemas"]]) {
      const { status, report } = await validate(dir, args);
      expect(status, args.join(" ")).toBe(1);
      const unserved = report.problems.filter((problem) => problem.rule === "k8s-unserved-version");
      expect(unserved.map((problem) => [problem.file, problem.line])).toEqual([
        ["apps/web/release.yaml", lines[0]],
        ["clusters/home/alerts.yaml", lines[2]],
        ["clusters/home/sources.yaml", lines[1]],
      ]);
      expect(unserved[0]!.message).toMatch(/^helm\.toolkit\.fluxcd\.io\/v2beta2 HelmRelease is not served by Flux v2\.9\.\d+, whose CRD serves HelmRelease as helm\.toolkit\.fluxcd\.io\/v2:/);
      expect(unserved[1]!.message).toContain("as notification.toolkit.fluxcd.io/v1beta3");
      expect(unserved[2]!.message).toContain("as source.toolkit.fluxcd.io/v1");
    }
    // A kind of another group at a version of its own is still only a missing schema, which the flag skips.
    writeFileSync(join(dir, "apps/web/monitor.yaml"), "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: web\nspec:\n  endpoints: [{port: http}]\n  selector: {}\n");
    const missing = await validate(dir, ["--ignore-missing-schemas"]);
    expect(missing.report.problems.filter((problem) => problem.file === "apps/web/monitor.yaml")).toEqual([]);
  });
});

describe("root cause 6: YAML that is not Kubernetes' (Talos machine configurations, application configurations)", () => {
  test("is left out of the folder walk with its reason; a Kubernetes document among it keeps its errors", async () => {
    const dir = copyOf("not-kubernetes-yaml");
    for (const args of [[], ["--ignore-missing-schemas"]]) {
      const { status, report } = await validate(dir, args);
      expect(report.problems, args.join(" ")).toEqual([]);
      expect(status).toBe(0);
      expect(report.summary).toMatchObject({ resources: 2, valid: 2, leftOut: 4 });
      const leftOut = Object.fromEntries(report.resources.filter((unit) => unit.validator === "walk").map((unit) => [unit.file, unit.notChecked]));
      expect(leftOut["talos/controlplane.yaml"]).toMatch(/^Talos machine configuration/);
      expect(leftOut["apps/recorder/settings.yml"]).toBe("YAML with application tags (!env_var, !secret): an application's configuration, not a Kubernetes manifest");
      expect(leftOut["talos/patches/sysctls.yaml"]).toMatch(/^no document with apiVersion or kind/);
    }
    // A Kubernetes object in the Talos file makes it a manifest: every document is reported again.
    writeFileSync(join(dir, "talos/controlplane.yaml"), `${readFileSync(join(dir, "talos/controlplane.yaml"), "utf8")}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: talos-extras\n`);
    const mixed = await validate(dir);
    expect(mixed.status).toBe(1);
    expect(mixed.report.problems.map((problem) => [problem.file, problem.rule])).toEqual([
      ["talos/controlplane.yaml", "k8s-missing-kind"],
      ["talos/controlplane.yaml", "k8s-missing-schema"],
      ["talos/controlplane.yaml", "k8s-missing-schema"],
    ]);
    // A Kubernetes manifest with an application tag is a manifest with a mistake.
    const line = edit(dir, "apps/recorder/deployment.yaml", "image: registry.example.org/recorder:2.1.0", "image: !env_var RECORDER_IMAGE");
    expect(rules((await validate(dir, ["--ignore-filename-pattern", "talos/"])).report)).toEqual([["k8s-yaml-syntax", "apps/recorder/deployment.yaml", line]]);
  });

  test("Jinja templates, numbered file formats, tools' own configuration and !!python tags are left out too; a manifest among them is not", async () => {
    const dir = copyOf("not-kubernetes-yaml");
    const files: Record<string, string> = {
      "ansible/roles/lb/templates/pool.yaml": "apiVersion: example.io/v1\nkind: AddressPool\nmetadata:\n  name: pool\nspec:\n  blocks:\n    {% for cidr in cidrs %}\n    - cidr: {{ cidr }}\n    {% endfor %}\n",
      "grafana/datasources.yaml": "apiVersion: 1\ndatasources:\n  - name: metrics\n    type: prometheus\n    url: http://metrics:9090\n",
      "local/cluster.yaml": "apiVersion: k3d.io/v1alpha5\nkind: Simple\nmetadata:\n  name: dev\nservers: 1\n",
      "nodes/kubelet.yaml": "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nmaxPods: 110\n",
      "docs/site.yml": "site_name: ops\nmarkdown_extensions:\n  - emoji:\n      emoji_index: !!python/name:docs.emoji.index\n",
      "generated/kustomization.yaml": "configMapGenerator:\n  - name: settings\n    literals: [mode=fast]\nkind: Kustomization\n",
      "charts-repo/index.yaml": "apiVersion: v1\nentries:\n  web:\n    - name: web\n      version: 1.0.0\n      urls: [web-1.0.0.tgz]\ngenerated: \"2026-01-01T00:00:00Z\"\n",
      // Tags of YAML 1.1 no manifest reader takes, and a key without a value (the reason's search met a null node).
      "recordings/members.yaml": "members: !!set {a, b}\norder: !!omap [{x: 1}]\n",
      "apps/recorder/extra.yml": "token: !env_var TOKEN\n? flag\n",
      // !!binary is read as the API server's decoder reads it (kubectl kustomize and kubeconform take it).
      "secrets/ca.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ca\ndata:\n  ca.crt: !!binary |\n    aGVs\n    bG8=\n",
    };
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    const { status, report } = await validate(dir);
    expect(report.problems).toEqual([]);
    expect(status).toBe(0);
    const reasons = Object.fromEntries(report.resources.filter((unit) => Object.keys(files).includes(unit.file) && unit.notChecked !== undefined).map((unit) => [unit.file, unit.notChecked]));
    expect(reasons).toEqual({
      "ansible/roles/lb/templates/pool.yaml": expect.stringMatching(/^template \(Jinja syntax/),
      "grafana/datasources.yaml": expect.stringMatching(/^apiVersion is not text/),
      "local/cluster.yaml": expect.stringMatching(/^Simple of k3d\.io: a file its tool reads/),
      "nodes/kubelet.yaml": expect.stringMatching(/^KubeletConfiguration of kubelet\.config\.k8s\.io/),
      "docs/site.yml": "YAML with application tags (!!python/name:docs.emoji.index): an application's configuration, not a Kubernetes manifest",
      "generated/kustomization.yaml": expect.stringMatching(/^kustomization without apiVersion/),
      "charts-repo/index.yaml": expect.stringMatching(/^Helm repository index/),
      "recordings/members.yaml": "YAML with application tags (!!omap, !!set): an application's configuration, not a Kubernetes manifest",
      "apps/recorder/extra.yml": "YAML with application tags (!env_var): an application's configuration, not a Kubernetes manifest",
    });
    // A Kubernetes kind with a Jinja statement, or a numbered apiVersion beside a real object, stays an error.
    writeFileSync(join(dir, "grafana/datasources.yaml"), `${files["grafana/datasources.yaml"]}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dashboards\n`);
    expect((await validate(dir)).status).toBe(1);
  });
});

describe("root cause 1: files a kustomization reads as patches", () => {
  test("are validated as patches of their target, never as whole objects; a mistake in one is reported at its line", async () => {
    const dir = copyOf("kustomize-patches");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
    const patches = clean.report.resources.filter((unit) => unit.resource?.endsWith("(patch)"));
    expect(patches.map((unit) => [unit.file, unit.status])).toEqual([
      ["apps/overlays/production/add-arg.yaml", "valid"],
      ["apps/overlays/production/drop-shipper.yaml", "valid"],
      ["apps/overlays/production/release-values.yaml", "valid"],
      ["apps/overlays/production/replicas.yaml", "valid"],
      ["apps/overlays/production/resources.yaml", "valid"],
      ["apps/overlays/production/service-port.json", "valid"],
      ["infrastructure/monitoring/operator-resources.yaml", "valid"],
    ]);
    // A patch is no object of the GitOps checks: the HelmRelease patch is not a second HelmRelease "cache".
    expect(clean.report.resources.filter((unit) => unit.validator === "gitops").map((unit) => unit.file)).not.toContain("apps/overlays/production/release-values.yaml");

    const lines = {
      replicas: edit(dir, "apps/overlays/production/replicas.yaml", "replicas: 3", "replicas: three"),
      resources: edit(dir, "apps/overlays/production/resources.yaml", "requests:", "requestz:"),
      op: edit(dir, "apps/overlays/production/add-arg.yaml", "- op: add", "- op: append"),
      removed: edit(dir, "apps/overlays/production/add-arg.yaml", "ports/0/name", "ports/0/nam"),
      port: edit(dir, "apps/overlays/production/service-port.json", '"value": 8080', '"value": "eighty"'),
      restart: edit(dir, "apps/overlays/production/drop-shipper.yaml", "progressDeadlineSeconds: null", "progressDeadlineSeconds: soon"),
    };
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(rules(report)).toEqual([
      ["kustomize-patch", "apps/overlays/production/add-arg.yaml", lines.op],
      ["k8s-unknown-field", "apps/overlays/production/add-arg.yaml", lines.removed],
      ["k8s-schema", "apps/overlays/production/drop-shipper.yaml", lines.restart],
      ["k8s-schema", "apps/overlays/production/replicas.yaml", lines.replicas],
      ["k8s-unknown-field", "apps/overlays/production/resources.yaml", lines.resources],
      ["k8s-schema", "apps/overlays/production/service-port.json", lines.port],
    ]);
    const messages = report.problems.map((problem) => problem.message);
    expect(messages).toContain('[1] path "/spec/template/spec/containers/0/ports/0/nam": spec.template.spec.containers[0].ports[0]: unknown field "nam"');
    expect(messages).toContain('[0] path "/spec/ports/0/port": spec.ports[0].port must be integer');
  });
});

describe("root causes 2 and 3: Flux post-build substitution, in values and in spec.path", () => {
  test("is applied before schemas and paths are checked; what only the cluster knows is named not checked", async () => {
    const dir = copyOf("flux-postbuild");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
    const notChecked = Object.fromEntries(clean.report.resources.filter((unit) => unit.notChecked).map((unit) => [unit.file, unit.notChecked]));
    expect(notChecked).toEqual({
      // its value is in the SOPS-encrypted Secret
      "platform/ingress.yaml": "fields set by variables whose values only the cluster has: Kustomization flux-system/platform substitutes ${INGRESS_PATH_TYPE} from Secret flux-system/cluster-secrets (encrypted with SOPS in the repository): not checked",
      // no Kustomization of the repository applies the production folder
      "apps/production/web.yaml": "fields set by post-build variables no Flux Kustomization of these files substitutes (${APP_REPLICAS}, ${PULL_POLICY}): not checked",
    });

    // Values come from the ConfigMap of the repository, through a parent Kustomization into a child's inline values.
    const access = edit(dir, "clusters/staging/cluster-settings.yaml", "STORAGE_ACCESS: ReadWriteOnce", "STORAGE_ACCESS: ReadWriteSometimes");
    edit(dir, "clusters/staging/cluster-settings.yaml", 'WEB_REPLICAS: "2"', 'WEB_REPLICAS: "two"');
    const values = await validate(dir);
    expect(values.status).toBe(1);
    expect(access).toBeGreaterThan(0);
    expect(rules(values.report)).toEqual([
      ["k8s-schema", "apps/staging/web.yaml", lineOf(dir, "apps/staging/web.yaml", "replicas: ${APP_REPLICAS}")],
      ["k8s-schema", "platform/storage/volume.yaml", lineOf(dir, "platform/storage/volume.yaml", "- ${STORAGE_ACCESS:=ReadWriteMany}")],
    ]);
    expect(values.report.problems.map((problem) => problem.message)).toEqual(["spec.replicas must be integer", expect.stringMatching(/^spec\.accessModes\[0\] must be one of "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"/)]);

    // spec.path is the path the parent's substitution makes of it.
    edit(dir, "clusters/staging/cluster-settings.yaml", "STORAGE_ACCESS: ReadWriteSometimes", "STORAGE_ACCESS: ReadWriteOnce");
    edit(dir, "clusters/staging/cluster-settings.yaml", 'WEB_REPLICAS: "two"', 'WEB_REPLICAS: "2"');
    edit(dir, "clusters/staging/cluster-settings.yaml", "CLUSTER: staging", "CLUSTER: stagin");
    const path = await validate(dir);
    expect(rules(path.report)).toEqual([["flux-path-missing", "platform/apps.yaml", lineOf(dir, "platform/apps.yaml", "path: ./apps/${CLUSTER}")]]);
    expect(path.report.problems[0]!.message).toBe('spec.path "./apps/stagin" does not exist in the repository');
  });

  test("an object that opts out of substitution is applied with its ${...} as written, and checked so", async () => {
    const dir = copyOf("flux-postbuild");
    const line = edit(dir, "platform/storage/volume.yaml", "  namespace: platform\n", "  namespace: platform\n  labels:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(line).toBeGreaterThan(0);
    expect(rules(report)).toEqual([
      ["k8s-schema", "platform/storage/volume.yaml", lineOf(dir, "platform/storage/volume.yaml", "- ${STORAGE_ACCESS:=ReadWriteMany}")],
      ["k8s-schema", "platform/storage/volume.yaml", lineOf(dir, "platform/storage/volume.yaml", "volumeMode: ${VOLUME_MODE:=Filesystem}")],
    ]);
  });
});

describe("root cause 5: SOPS-encrypted manifests", () => {
  test("are checked as decrypted, without the sops metadata; encrypted values are not checked, the rest is", async () => {
    const dir = copyOf("sops-secrets");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
    expect(clean.report.resources.find((unit) => unit.file === "apps/vault/credentials.sops.yaml")?.status).toBe("valid");
    expect(clean.report.resources.find((unit) => unit.file === "apps/vault/tuning.sops.yaml")).toMatchObject({ status: "skipped", notChecked: "fields encrypted with SOPS, decrypted only when applied: not checked" });

    const typo = edit(dir, "apps/vault/credentials.sops.yaml", "type: Opaque", "typ: Opaque");
    const clear = edit(dir, "apps/vault/tuning.sops.yaml", "  selector:", "  minReadySeconds: soon\n  selector:");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(rules(report)).toEqual([
      ["k8s-unknown-field", "apps/vault/credentials.sops.yaml", typo],
      ["k8s-schema", "apps/vault/tuning.sops.yaml", clear],
    ]);
  });
});

describe("root cause 4: the Flux Operator widens Flux's notification enums", () => {
  test("an Alert or Receiver naming FluxInstance or ResourceSet is valid where a FluxInstance is, and not elsewhere", async () => {
    const dir = copyOf("flux-operator");
    writeFileSync(
      join(dir, "clusters/lab/notifications.yaml"),
      `apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata:
  name: chat
  namespace: flux-system
spec:
  type: slack
  channel: ops
  secretRef:
    name: chat-webhook
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata:
  name: operator
  namespace: flux-system
spec:
  providerRef:
    name: chat
  eventSources:
    - kind: FluxInstance
      name: flux
    - kind: ResourceSet
      name: '*'
    - kind: Kustomization
      name: '*'
---
apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata:
  name: sets
  namespace: flux-system
spec:
  type: generic
  secretRef:
    name: receiver-token
  resources:
    - kind: ResourceSetInputProvider
      name: apps
`,
    );
    const clean = await validate(dir, ["--ignore-missing-schemas"]);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);

    // A kind the operator does not add is still refused.
    const line = edit(dir, "clusters/lab/notifications.yaml", "kind: ResourceSet\n", "kind: ResourceSets\n");
    expect(rules((await validate(dir, ["--ignore-missing-schemas"])).report)).toEqual([["k8s-schema", "clusters/lab/notifications.yaml", line]]);
    edit(dir, "clusters/lab/notifications.yaml", "kind: ResourceSets\n", "kind: ResourceSet\n");
    // Without a FluxInstance, Flux's own enums hold: every operator kind is refused.
    writeFileSync(join(dir, "clusters/lab/flux-instance.yaml"), "# the operator was removed\n");
    const without = await validate(dir, ["--ignore-missing-schemas"]);
    expect(without.status).toBe(1);
    expect(without.report.problems.map((problem) => problem.path)).toEqual(["spec.eventSources[0].kind", "spec.eventSources[1].kind", "spec.resources[0].kind"]);

    // The operator installed by its chart (its FluxInstance is the flux-instance chart's, not in Git): widened again.
    for (const chart of ["flux-instance", "flux-operator"]) {
      writeFileSync(
        join(dir, "clusters/lab/flux-instance.yaml"),
        `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: ${chart}, namespace: flux-system}
spec: {interval: 1h, url: oci://ghcr.io/controlplaneio-fluxcd/charts/${chart}, ref: {tag: 0.58.1}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: ${chart}, namespace: flux-system}
spec: {interval: 1h, chartRef: {kind: OCIRepository, name: ${chart}}}
`,
      );
      const byChart = await validate(dir, ["--ignore-missing-schemas"]);
      expect(byChart.report.problems).toEqual([]);
    }
  });
});

describe("root cause 2: a parent Kustomization's spec.patches give its children their post-build substitution", () => {
  test("the children's files are checked with the values substituted, not left unchecked", async () => {
    const dir = copyOf("flux-parent-patches");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.report.resources.filter((unit) => unit.validator === "kubernetes").every((unit) => unit.status === "valid")).toBe(true);
    edit(dir, "kubernetes/flux/cluster/cluster-settings.yaml", "ACCESS_MODE: ReadWriteOnce", "ACCESS_MODE: ReadWriteSometimes");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(rules(report)).toEqual([["k8s-schema", "kubernetes/apps/default/echo/app/pvc.yaml", lineOf(dir, "kubernetes/apps/default/echo/app/pvc.yaml", "accessModes:")]]);
  });
});

describe("kustomize's label transformer creates the selectors of workloads written without one", () => {
  const deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n";
  const build = (files: Record<string, string>) => {
    const dir = tempDir("ccr-real-world-r2-labels-");
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    return dir;
  };
  const selectorProblems = async (dir: string) => (await validate(dir)).report.problems.filter((problem) => problem.message.includes('missing required field "selector"')).map((problem) => problem.file);

  test("commonLabels, or labels with includeSelectors, in every build that reads the file: no error, as kubectl kustomize builds it", async () => {
    expect(await selectorProblems(build({ "base/kustomization.yaml": "commonLabels:\n  app: web\nresources: [deployment.yaml]\n", "base/deployment.yaml": deployment }))).toEqual([]);
    expect(await selectorProblems(build({ "base/kustomization.yaml": "labels:\n  - pairs: {app: web}\n    includeSelectors: true\nresources: [deployment.yaml]\n", "base/deployment.yaml": deployment }))).toEqual([]);
    // From an overlay: the base's Deployment gets the overlay's labels.
    expect(await selectorProblems(build({ "base/kustomization.yaml": "resources: [deployment.yaml]\n", "base/deployment.yaml": deployment, "prod/kustomization.yaml": "commonLabels: {app: web}\nresources: [../base]\n" }))).toEqual([]);
  });

  test("labels without includeSelectors, no labels, or a base Flux also builds on its own: the missing selector stays an error", async () => {
    expect(await selectorProblems(build({ "base/kustomization.yaml": "labels:\n  - pairs: {app: web}\nresources: [deployment.yaml]\n", "base/deployment.yaml": deployment }))).toEqual(["base/deployment.yaml"]);
    expect(await selectorProblems(build({ "apps/deployment.yaml": deployment }))).toEqual(["apps/deployment.yaml"]);
    const flux = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: base, namespace: flux-system}\nspec: {interval: 10m, path: ./base, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n";
    expect(await selectorProblems(build({ "base/kustomization.yaml": "resources: [deployment.yaml]\n", "base/deployment.yaml": deployment, "prod/kustomization.yaml": "commonLabels: {app: web}\nresources: [../base]\n", "clusters/base.yaml": flux }))).toEqual(["base/deployment.yaml"]);
  });
});
