/**
 * `validate` on layouts of real repositories, round 5 (issue 23, Kubernetes and GitOps repositories not seen before),
 * through the CLI's own entry (run `npm run build` first). One corpus folder per root cause in
 * test/fixtures/real-world, written by hand (no copied content): each test names its cause, checks that the folder
 * validates with no false alarm (`kubectl kustomize` builds each kustomization in it), and that a real mistake in it is
 * still reported.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { copyOfCase, editCase, lineOfText, validateJson, type CorpusReport, errorRows } from "./helpers/corpus-copy.js";

type JsonReport = CorpusReport;

const copyOf = (name: string): string => copyOfCase(name, "ccr-real-world-r5-");

const validate = (dir: string, args: string[] = []) => validateJson<JsonReport>(dir, ["--strict", ...args]);

/** The text report's lines (left-out files are named there with their reason). */
const runText = async (dir: string) => {
  const { runCli } = await import("./helpers/cli.js");
  const run = await runCli(["validate", "."], { cwd: dir, env: { GITHUB_BASE_REF: "" } });
  return run.stdout.split("\n");
};

const errors = errorRows;

describe("patches kept ready are patches: an unnamed file among a patch folder's, entries behind a marker or above the field", () => {
  test("a CRD patch no entry names, a commented entry above `patches:` and a `#MARKER - path:` entry are no incomplete objects", async () => {
    const dir = copyOf("kustomize-ready-patches");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("a wrong value in each such patch is still an error; an unlisted file beside a kustomization is still a whole object", async () => {
    const dir = copyOf("kustomize-ready-patches");
    const ca = editCase(dir, "config/crd/patches/cainjection_in_cogs.yaml", "inject-ca-from: toys-system/toys-serving-cert", "inject-ca-from: 5");
    const metrics = editCase(dir, "config/default/manager_metrics_patch.yaml", "containerPort: 8080", "containerPort: metrics");
    const webhook = editCase(dir, "config/release/webhook_patch.yaml", "containerPort: 9443", "containerPort: webhook");
    writeFileSync(join(dir, "config/manager/extra.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: extra\nspec:\n  template:\n    spec:\n      containers:\n        - name: extra\n          image: registry.example.org/extra:1\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([
      ["k8s-schema", "config/crd/patches/cainjection_in_cogs.yaml", ca],
      ["k8s-schema", "config/default/manager_metrics_patch.yaml", metrics],
      ["k8s-schema", "config/manager/extra.yaml", lineOfText(dir, "config/manager/extra.yaml", "spec:")],
      ["k8s-schema", "config/release/webhook_patch.yaml", webhook],
    ]);
  });
});

describe("an apiVersion whose group is a word no API server serves (skaffold/v4beta11) is a tool's file, left out with its reason", () => {
  test("a Skaffold configuration and a local tool's file are no errors; Kubernetes' own dotless groups are validated", async () => {
    const dir = copyOf("tool-api-groups");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
    const text = await runText(dir);
    expect(text.find((line) => line.includes('group "skaffold" is no domain'))).toContain("skaffold.yaml");
    expect(text.find((line) => line.includes('group "labctl" is no domain'))).toContain("tools/lab.yaml");
    // apps, batch and policy are groups without a dot that Kubernetes serves: their objects are checked.
    const resources = (clean.report as JsonReport & { resources: { file: string; status: string }[] }).resources;
    expect(resources.filter((resource) => resource.file === "deploy/base/frontend.yaml").map((resource) => resource.status)).toEqual(["valid", "valid", "valid"]);
  });

  test("a misspelt group of a Kubernetes kind, and such a file a Flux Kustomization applies, are still errors", async () => {
    const dir = copyOf("tool-api-groups");
    const typo = editCase(dir, "deploy/base/frontend.yaml", "apiVersion: apps/v1\n", "apiVersion: app/v1\n");
    writeFileSync(join(dir, "deploy/base/lab.yaml"), "apiVersion: labctl/v2\nkind: Cluster\nmetadata:\n  name: lab\nnodes: 3\n");
    editCase(dir, "deploy/base/kustomization.yaml", "  - frontend.yaml\n", "  - frontend.yaml\n  - lab.yaml\n");
    writeFileSync(
      join(dir, "flux.yaml"),
      "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: shop\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./deploy/base\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
    );
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([
      ["k8s-missing-schema", "deploy/base/frontend.yaml", typo],
      ["k8s-missing-schema", "deploy/base/lab.yaml", 1],
    ]);
  });
});

describe("an overlay build runs each lower layer's components, namespace and name affixes before the patches above it", () => {
  test("a patch naming the object as a lower layer's namePrefix/namespace/nameSuffix made it, and a component's patch, complete a base", async () => {
    const dir = copyOf("kustomize-layer-names");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("a component targeting a name its layer has not given yet selects nothing (as kustomize); a wrong value in a patch is an error", async () => {
    const dir = copyOf("kustomize-layer-names");
    // The component runs before staging's nameSuffix: `shop-report-staging` does not exist yet, no schedule is set.
    editCase(dir, "components/nightly/kustomization.yaml", "name: shop-report\n", "name: shop-report-staging\n");
    const replicas = editCase(dir, "apps/staging/web.yaml", "replicas: 1", "replicas: one");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([
      ["k8s-schema", "apps/base/report.yaml", lineOfText(dir, "apps/base/report.yaml", "spec:")],
      ["k8s-schema", "apps/staging/web.yaml", replicas],
    ]);
  });
});

describe("a file a configMapGenerator reads is a key's value (a controller's configuration, a Pod template), not a manifest", () => {
  test("the generator's data files are left out with their reason, the kustomization's objects are validated", async () => {
    const dir = copyOf("kustomize-generator-data");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
    const line = (await runText(dir)).find((text) => text.includes("configMapGenerator or secretGenerator reads"));
    expect(line).toContain("config/manager/controller_config.yaml, config/manager/settings/runner-pod.yaml");
  });

  test("the same file listed as a resource is an object there, and a Flux Kustomization applying its folder validates it", async () => {
    const dir = copyOf("kustomize-generator-data");
    editCase(dir, "config/manager/kustomization.yaml", "  - manager.yaml\n", "  - manager.yaml\n  - controller_config.yaml\n");
    writeFileSync(
      join(dir, "flux.yaml"),
      "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: runners\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./config/manager/settings\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
    );
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([
      ["k8s-missing-schema", "config/manager/controller_config.yaml", 2],
      ["k8s-schema", "config/manager/settings/runner-pod.yaml", lineOfText(dir, "config/manager/settings/runner-pod.yaml", "spec:")],
    ]);
  });
});

describe("objects whose ids a kustomization's transformers may change are no duplicates anyone can tell", () => {
  test("the same base under two tenants whose NamespaceTransformer configurations set each namespace builds without duplicates", async () => {
    const dir = copyOf("kustomize-transformed-ids");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("an object a build adds twice before its transformers run is still a duplicate", async () => {
    const dir = copyOf("kustomize-transformed-ids");
    writeFileSync(join(dir, "tenants/red/settings.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tenant-settings\ndata:\n  quota: large\n");
    editCase(dir, "tenants/red/kustomization.yaml", "  - ../../base\n", "  - ../../base\n  - settings.yaml\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([["duplicate-resource", "tenants/red/settings.yaml", 4]]);
  });
});

describe("an object its own kustomization completes (its patches, its components) is checked as that kustomization builds it", () => {
  test("vendored Deployments whose selectors the folder's own patch and component add are no errors", async () => {
    const dir = copyOf("kustomize-own-patches");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("without the component the selector is missing again; a wrong value in an own patch is reported once, at the patch", async () => {
    const dir = copyOf("kustomize-own-patches");
    editCase(dir, "app/kustomization.yaml", "components:\n  - ../features/pinned-selector\n", "");
    const replicas = editCase(dir, "app/replicas.yaml", "replicas: 3", "replicas: three");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([
      ["k8s-schema", "app/replicas.yaml", replicas],
      ["k8s-schema", "app/upstream.yaml", lineOfText(dir, "app/upstream.yaml", "spec:")],
    ]);
  });
});

describe("an object's version is part of its id in a kustomize build, as kustomize's ResId compares group, version and kind", () => {
  const crd = ["--crd", "config/crd/gadgets.yaml"];

  test("a sample of v1 and one of v2 with one name are two resources of the build, no duplicate", async () => {
    const dir = copyOf("kustomize-versioned-ids");
    const clean = await validate(dir, crd);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("the same version added twice is still a duplicate; a wrong value in a sample is an error", async () => {
    const dir = copyOf("kustomize-versioned-ids");
    writeFileSync(join(dir, "config/samples/workshop_v1_gadget_copy.yaml"), "apiVersion: workshop.example.org/v1\nkind: Gadget\nmetadata:\n  name: gadget-sample\nspec:\n  size: 3\n");
    editCase(dir, "config/samples/kustomization.yaml", "  - workshop_v2_gadget.yaml\n", "  - workshop_v2_gadget.yaml\n  - workshop_v1_gadget_copy.yaml\n");
    const size = editCase(dir, "config/samples/workshop_v2_gadget.yaml", "size: 2", "size: two");
    const { status, report } = await validate(dir, crd);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([
      ["k8s-schema", "config/samples/workshop_v2_gadget.yaml", size],
      ["duplicate-resource", "config/samples/workshop_v1_gadget_copy.yaml", 4],
    ]);
  });
});

describe("a kuttl test step's assert and errors files are fields compared as a subset of a live object, not whole manifests", () => {
  test("the assertions of the test folders a TestSuite names are left out with their reason; kuttl's own kinds are its files", async () => {
    const dir = copyOf("kuttl-test-steps");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
    const line = (await runText(dir)).find((text) => text.includes("a kuttl test step's assert or errors file"));
    expect(line).toContain("tests/e2e/scale-web/01-scale/assert-replicas.yaml, tests/e2e/web-up/00-assert.yaml, tests/e2e/web-up/01-errors.yaml");
    // The steps' objects are applied as written: they are validated.
    const resources = (clean.report as JsonReport & { resources: { file: string; status: string }[] }).resources;
    expect(resources.filter((resource) => resource.status === "valid").map((resource) => resource.file)).toEqual(["tests/e2e/scale-web/01-scale/web.yaml", "tests/e2e/web-up/00-install.yaml"]);
  });

  test("a wrong value in a step's object, and an assert-named file in a folder no TestSuite names, are still errors", async () => {
    const dir = copyOf("kuttl-test-steps");
    const replicas = editCase(dir, "tests/e2e/web-up/00-install.yaml", "replicas: 1", "replicas: one");
    mkdirSync(join(dir, "examples/web"), { recursive: true });
    writeFileSync(join(dir, "examples/web/00-assert.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([
      // spec: missing "selector" and "template"
      ["k8s-schema", "examples/web/00-assert.yaml", 5],
      ["k8s-schema", "examples/web/00-assert.yaml", 5],
      ["k8s-schema", "tests/e2e/web-up/00-install.yaml", replicas],
    ]);
  });
});

describe("an operator project's tool files: operator-sdk's scorecard Configuration, kube-state-metrics' CustomResourceStateMetrics", () => {
  test("a scorecard Configuration, its kustomize patch, and a kube-state-metrics configuration are no errors, each with its reason", async () => {
    const dir = copyOf("operator-tool-files");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
    const text = await runText(dir);
    expect(text.find((line) => line.includes("kube-state-metrics custom resource state configuration"))).toContain("config/metrics/gadget-state.yaml");
    expect(text.filter((line) => line.includes("Configuration of scorecard.operatorframework.io: a file its tool reads"))).toHaveLength(1);
  });

  test("a Kubernetes kind without apiVersion beside them is still an error", async () => {
    const dir = copyOf("operator-tool-files");
    writeFileSync(join(dir, "config/metrics/monitor.yaml"), "kind: Service\nmetadata:\n  name: metrics\nspec:\n  ports:\n    - port: 8443\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([["k8s-missing-apiversion", "config/metrics/monitor.yaml", 1]]);
  });
});

describe("a builtin LabelTransformer under `transformers:` whose field specs create spec/selector/matchLabels completes a Deployment", () => {
  test("a Deployment and a StatefulSet written without selectors, under a transformer file and an inline one, are no errors", async () => {
    const dir = copyOf("kustomize-label-transformer");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("a transformer that does not create the selector leaves it missing; a wrong value is still an error", async () => {
    const dir = copyOf("kustomize-label-transformer");
    editCase(dir, "web/labels.yaml", "  - path: spec/selector/matchLabels\n    create: true\n", "  - path: spec/selector/matchLabels\n    create: false\n");
    const replicas = editCase(dir, "worker/statefulset.yaml", "replicas: 1", "replicas: one");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([
      ["k8s-schema", "web/deployment.yaml", lineOfText(dir, "web/deployment.yaml", "spec:")],
      ["k8s-schema", "worker/statefulset.yaml", replicas],
    ]);
  });
});

describe("a strategic merge patch without a target must name an object of its build, or kustomize fails the build", () => {
  test("patches naming an object by its base name or its prefixed name, a target selecting nothing, a component's object: no errors", async () => {
    const dir = copyOf("kustomize-patch-targets");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("a patch file and an inline patch naming no object of the build are errors at their entries", async () => {
    const dir = copyOf("kustomize-patch-targets");
    editCase(dir, "overlay/replicas.yaml", "  name: web\n", "  name: webb\n");
    editCase(dir, "overlay/kustomization.yaml", "        name: shop-web\n", "        name: shop-api\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([
      ["kustomize-patch-unmatched", "overlay/kustomization.yaml", lineOfText(dir, "overlay/kustomization.yaml", "  - path: replicas.yaml")],
      ["kustomize-patch-unmatched", "overlay/kustomization.yaml", lineOfText(dir, "overlay/kustomization.yaml", "  - patch: |-")],
    ]);
    expect(report.problems[0]!.message).toContain('patches[0].path "replicas.yaml" patches Deployment webb (apps/v1)');
  });
});

describe("an overlay's strategic merge merges a list on its Kubernetes merge key (topologyKey, containerPort), not always on name", () => {
  test("a patch setting the selector, widening one zone constraint and adding a port's protocol completes the base as kustomize builds it", async () => {
    const dir = copyOf("kustomize-merge-keys");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("a named port entry of the base without its containerPort is not completed by a patch entry of that name", async () => {
    const dir = copyOf("kustomize-merge-keys");
    editCase(dir, "base/web.yaml", "            - name: http\n              containerPort: 8080\n", "            - name: http\n");
    editCase(dir, "prod/spread.yaml", "            - containerPort: 8080\n              protocol: TCP\n", "            - name: http\n              containerPort: 8080\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([["k8s-schema", "base/web.yaml", lineOfText(dir, "base/web.yaml", "            - name: http")]]);
    expect(report.problems[0]!.message).toContain('ports[0]: missing required field "containerPort"');
  });
});

describe("Flux apiVersions are judged by the Flux release the repository pins (the flux-instance chart's distribution.version)", () => {
  type Unit = { file: string; status: string; notChecked?: string };
  const units = (report: JsonReport) => (report as JsonReport & { resources: Unit[] }).resources;
  const unserved = (report: JsonReport) => report.problems.filter((problem) => problem.rule === "k8s-unserved-version");
  const values = "clusters/home/flux-instance/helm-values.yaml";
  const sources = ["apps/podinfo/ocirepository.yaml", "clusters/home/flux-instance/ocirepository.yaml"];

  test("an apiVersion the pinned Flux 2.5 serves and the embedded release does not is no error: not checked, and says why", async () => {
    const dir = copyOf("flux-pinned-release");
    const { status, report } = await validate(dir);
    expect(report.problems).toEqual([]);
    expect(status).toBe(0);
    const skipped = units(report).filter((unit) => sources.includes(unit.file));
    expect(skipped.map((unit) => [unit.file, unit.status]).sort()).toEqual(sources.map((file) => [file, "skipped"]));
    const pinLine = lineOfText(dir, values, "    version: 2.5.1");
    for (const unit of skipped) {
      expect(unit.notChecked).toMatch(new RegExp(`^source\\.toolkit\\.fluxcd\\.io/v1beta2 OCIRepository: Flux 2\\.5\\.1 \\(pinned in ${values}:${pinLine}\\) serves it; the embedded schemas are of Flux v2\\.9\\.\\d+, which does not: not checked$`));
    }
  });

  test("an apiVersion the pinned release does not serve is an error naming that release and the versions it serves", async () => {
    const dir = copyOf("flux-pinned-release");
    const line = editCase(dir, sources[0]!, "source.toolkit.fluxcd.io/v1beta2\n", "source.toolkit.fluxcd.io/v1\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([["k8s-unserved-version", sources[0], line]]);
    expect(unserved(report)[0]!.message).toBe(
      `source.toolkit.fluxcd.io/v1 OCIRepository is not served by Flux 2.5.1 (pinned in ${values}:${lineOfText(dir, values, "    version: 2.5.1")}), whose CRD serves OCIRepository as source.toolkit.fluxcd.io/v1beta2: the API server refuses it; change apiVersion to source.toolkit.fluxcd.io/v1beta2 (and the fields that version renamed)`,
    );
  });

  test("a FluxInstance's spec.distribution.version (a patch range) pins the release as the chart's values do", async () => {
    const dir = copyOf("flux-pinned-release");
    editCase(dir, values, "  distribution:\n    version: 2.5.1\n", "");
    const instance = "clusters/home/flux-instance/instance.yaml";
    writeFileSync(join(dir, instance), "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\n  namespace: flux-system\nspec:\n  distribution:\n    version: 2.5.x\n    registry: ghcr.io/fluxcd\n");
    editCase(dir, "clusters/home/flux-instance/kustomization.yaml", "  - ./helmrelease.yaml\n", "  - ./helmrelease.yaml\n  - ./instance.yaml\n");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
    editCase(dir, sources[1]!, "source.toolkit.fluxcd.io/v1beta2\n", "source.toolkit.fluxcd.io/v1\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([["k8s-unserved-version", sources[1], 1]]);
    expect(unserved(report)[0]!.message).toContain(`not served by Flux 2.5.x (pinned in ${instance}:8), whose CRD serves OCIRepository as source.toolkit.fluxcd.io/v1beta2:`);
  });

  test("without a pin (or with the embedded release's) the embedded release decides, as before", async () => {
    for (const pin of ["", "  distribution:\n    version: 2.x\n"]) {
      const dir = copyOf("flux-pinned-release");
      editCase(dir, values, "  distribution:\n    version: 2.5.1\n", pin);
      const { status, report } = await validate(dir);
      expect(status, pin).toBe(1);
      expect(errors(report).sort(), pin).toEqual(sources.map((file) => ["k8s-unserved-version", file, 1]));
      expect(unserved(report)[0]!.message, pin).toMatch(/^source\.toolkit\.fluxcd\.io\/v1beta2 OCIRepository is not served by Flux v2\.9\.\d+, whose CRD serves OCIRepository as source\.toolkit\.fluxcd\.io\/v1:/);
    }
  });

  test("pins of different releases are a warning that names them, and the embedded release decides", async () => {
    const dir = copyOf("flux-pinned-release");
    const inline = editCase(dir, "clusters/home/flux-instance/helmrelease.yaml", "  valuesFrom:\n", "  values:\n    instance:\n      distribution:\n        version: 2.7.x\n  valuesFrom:\n") + 3;
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report).sort()).toEqual(sources.map((file) => ["k8s-unserved-version", file, 1]));
    const warnings = report.problems.filter((problem) => problem.severity === "warning");
    expect(warnings.map((problem) => problem.rule)).toEqual(["flux-release-pins"]);
    expect(warnings[0]!.message).toContain(`2.7.x (clusters/home/flux-instance/helmrelease.yaml:${inline})`);
    expect(warnings[0]!.message).toContain(`2.5.1 (${values}:${lineOfText(dir, values, "    version: 2.5.1")})`);
  });
});
