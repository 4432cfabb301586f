/**
 * The monitoring add-on (addons/monitoring/) in every valid fixture: what it must get right whatever the blueprint,
 * read from the render's capabilities (the blueprints' data), never from a blueprint id. Control-plane scrapes off
 * where the control plane is out of reach; exactly one scrape of the DCGM exporter where a GPU operator runs it and
 * none elsewhere; Grafana's admin password never in Git; the GitOps engine's failures reach the Alertmanager the
 * chart names.
 */
import { parseAllDocuments } from "yaml";
import { describe, expect, test } from "vitest";
import type { FileTree } from "../src/file-tree.js";
import type { RenderContext } from "../src/generator/context.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { paramsFixtures } from "./helpers/fixtures.js";

type Json = Record<string, any>;

const objectsOf = (tree: FileTree): Array<{ file: string; object: Json }> =>
  [...tree].filter(([path]) => path.endsWith(".yaml")).flatMap(([file, content]) => parseAllDocuments(content).map((document) => ({ file, object: document.toJS() as Json })).filter(({ object }) => object?.kind));

/** An add-on's Helm values as the engine reads them: the HelmRelease's, or the Application's. */
function chartValues(objects: Array<{ object: Json }>, context: RenderContext, name: string): Json | undefined {
  const release = objects.find(({ object }) => (object.kind === "HelmRelease" || object.kind === "Application") && object.metadata.name === name)?.object;
  return context.gitops.flux ? release?.spec.values : release?.spec.source.helm.valuesObject;
}

const gpuOperatorRuns = (context: RenderContext) => context.capabilities["platform-gpu-operator"] === true || context.capabilities["gpu-operator"] === true;

describe.each(paramsFixtures("valid").map((fixture) => [fixture.name, fixture] as const))("%s with monitoring", (_, fixture) => {
  let rendered: ReturnType<typeof renderBlueprint> | undefined;
  const render = async () => {
    const { tree, context } = await (rendered ??= renderBlueprint(fixture.blueprint, { values: { ...fixture.params, addons: { monitoring: { enabled: true } } } }, { toolVersion: "0.0.0-test" }));
    const objects = objectsOf(tree);
    return { tree, context, objects, values: chartValues(objects, context, "monitoring")! };
  };

  test("etcd, scheduler and controller-manager scrapes and alerts are off exactly where the control plane is out of reach", async () => {
    const { context, values } = await render();
    const outOfReach = context.capabilities["managed-control-plane"] === true;
    for (const component of ["kubeEtcd", "kubeScheduler", "kubeControllerManager"]) expect(values[component]?.enabled ?? true, component).toBe(!outOfReach);
    for (const group of ["etcd", "kubeSchedulerAlerting", "kubeSchedulerRecording", "kubeControllerManager"]) expect(values.defaultRules.rules[group] ?? true, group).toBe(!outOfReach);
  });

  test("the DCGM exporter is scraped once where a GPU operator runs it (never a second exporter), and nowhere else", async () => {
    const { context, objects, tree } = await render();
    const ours = objects.filter(({ object }) => object.kind === "ServiceMonitor" && object.spec.selector?.matchLabels?.app === "nvidia-dcgm-exporter");
    // The operator's own ServiceMonitor, where this repository installs the operator, unless its values turn it off.
    const operator = context.capabilities["gpu-operator"] === true ? chartValues(objects, context, "gpu-operator") : undefined;
    const operators = operator && operator.dcgmExporter?.serviceMonitor?.enabled !== false ? 1 : 0;
    expect(ours.length + operators).toBe(gpuOperatorRuns(context) ? 1 : 0);
    expect(objects.some(({ object }) => object.kind === "DaemonSet" && /dcgm/.test(object.metadata.name))).toBe(false);
    // Its GPU alerts and dashboard go with it.
    expect(tree.has("infrastructure-configs/monitoring/gpu-alerts.yaml")).toBe(gpuOperatorRuns(context));
    expect(tree.has("infrastructure-configs/monitoring/gpu-dashboard.yaml")).toBe(gpuOperatorRuns(context));
  });

  test("Grafana's admin password is not in Git: an existing Secret the add-on declares, from the store or an encrypted file, never a kubectl step", async () => {
    const { tree, objects, values, context } = await render();
    expect(values.grafana.adminPassword).toBeUndefined();
    const secretName = values.grafana.admin.existingSecret as string;
    expect(secretName).toMatch(/^[a-z0-9-]+$/);
    expect(objects.filter(({ object }) => object.kind === "Secret")).toEqual([]);
    // The chart's Secret is one the add-on declares, with the keys the chart reads: the render makes or waits for it.
    const monitoring = context.addonList.find((addon) => addon.name === "monitoring")!;
    expect(context.addonSecrets).toContainEqual({ addon: "monitoring", name: secretName, namespace: monitoring.namespace, keys: [values.grafana.admin.userKey, values.grafana.admin.passwordKey] });
    expect(context.secretOrder?.readers).toContain("monitoring");
    const readme = tree.get("README.md")!;
    expect(readme).not.toContain(`create secret generic ${secretName} \\`);
    if (context.params.secrets === "sops") {
      expect(readme).toContain(`> team/secrets/${secretName}.yaml\nsops -e -i team/secrets/${secretName}.yaml`);
    } else {
      const externalSecret = objects.find(({ object }) => object.kind === "ExternalSecret" && object.metadata.name === secretName)!.object;
      expect(externalSecret.metadata.namespace).toBe(monitoring.namespace);
      for (const key of [values.grafana.admin.userKey, values.grafana.admin.passwordKey]) expect(readme).toContain(`${context.cluster.name}-${monitoring.namespace}-${secretName}-${key}`);
      // Rotation: the store is read again on a schedule, and the README's step after a new value restarts Grafana.
      expect(externalSecret.spec.refreshInterval).toMatch(/^[1-9][0-9]*[hm]$/);
    }
    // Grafana reads its admin login when it starts (no state kept: no persistence), so a new value needs a restart of
    // the Deployment the chart names after the release, the one behind the Service the README opens.
    expect(values.grafana.persistence?.enabled ?? false).toBe(false);
    expect(readme).toContain(`port-forward svc/${monitoring.name}-grafana 3000:80`);
    expect(readme).toContain(`kubectl -n ${monitoring.namespace} rollout restart deployment/${monitoring.name}-grafana`);
  });

  test("the GitOps engine's failed reconciles reach the chart's Alertmanager, which lets them in", async () => {
    const { context, objects, values } = await render();
    const alertmanager = `${values.fullnameOverride}-alertmanager.monitoring.svc:9093`;
    if (context.gitops.flux) {
      const provider = objects.find(({ object }) => object.kind === "Provider")!.object;
      expect(provider.spec).toEqual({ type: "alertmanager", address: `http://${alertmanager}/api/v2/alerts/` });
      const alert = objects.find(({ object }) => object.kind === "Alert")!.object;
      const watched = new Set(alert.spec.eventSources.filter((source: Json) => source.kind === "HelmRelease").map((source: Json) => source.namespace));
      for (const { object } of objects.filter(({ object }) => object.kind === "HelmRelease")) expect(watched, `HelmRelease ${object.metadata.name}`).toContain(object.metadata.namespace);
    } else {
      const configMap = objects.find(({ object }) => object.kind === "ConfigMap" && object.metadata.name === "argocd-notifications-cm")!.object;
      expect(configMap.metadata.namespace).toBe(context.gitops.namespace);
      expect(configMap.data["service.webhook.alertmanager"]).toContain(`url: http://${alertmanager}`);
      // The Application that keeps Argo CD's own manifests leaves that ConfigMap to this repository.
      const argocd = objects.find(({ object }) => object.kind === "Application" && object.metadata.name === "argocd")!.object;
      expect(JSON.stringify(argocd.spec.source.kustomize.patches)).toContain("name: argocd-notifications-cm");
    }
    const policy = objects.find(({ object }) => object.kind === "NetworkPolicy" && object.metadata.name === "alertmanager-from-gitops")!.object;
    expect(policy.spec.ingress[0].from[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"]).toBe(context.gitops.namespace);
  });
});
