import { isSeq, parseDocument } from "yaml";
import { toYamlText } from "./yaml-text.js";

/** YAML documents built from objects: the library quotes every value, so no parameter can break the structure. */
export function toYamlDocuments(objects: object[]): string {
  return objects.map((object) => toYamlText(object)).join("---\n");
}

/**
 * Pod Security Admission labels of an add-on's namespace: restricted unless the catalog says why not. A namespace that
 * enforces privileged (a driver's or node agent's DaemonSets) is audited at restricted, so that every pod there that
 * breaks restricted lands in the API server's audit log, and warns at the level it enforces: warnings at restricted
 * would show on every reconcile for pods it admits on purpose and bury the ones that matter (the reason is the
 * comment above the namespace).
 */
export function podSecurityLabels(level: "privileged" | "baseline" | "restricted"): Record<string, string> {
  return {
    "pod-security.kubernetes.io/enforce": level,
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": level,
  };
}

/**
 * Sync waves of the root application: Argo CD settings and the project first, then Helm-installed infrastructure,
 * plain infrastructure manifests, the team's own infrastructure (team/infrastructure/) with Helm-installed apps, and
 * the apps, generated and the team's. The health check in argocd-cm.yaml makes each wave wait until the Applications
 * of the previous one are Healthy. `secrets` is used only where an add-on reads a declared Secret (wavesWithSecrets).
 */
export const argoSyncWaves = { settings: "-3", crds: "-3", helmInfrastructure: "-2", infrastructure: "-1", helmApps: "0", teamInfrastructure: "0", infrastructureConfigs: "0", apps: "1", teamApps: "1", secrets: "-1" } as const;

export type ArgoSyncWaves = { readonly [wave in keyof typeof argoSyncWaves]: string };

/**
 * The waves of a render whose add-ons depend on each other `depth` deep: each level of add-ons gets a wave of its own
 * before the infrastructure's (an add-on after the ones whose CRDs it uses), and the settings come before them all.
 * CRDs the cluster fetches from Git (add-ons' crdSources) get a wave of their own between the settings and the first
 * add-on, so that every chart and custom resource finds them.
 */
export function argoSyncWavesFor(depth: number, crdSources = false, readersDepth?: number): ArgoSyncWaves {
  if (readersDepth !== undefined) return wavesWithSecrets(depth, crdSources, readersDepth);
  if (depth === 0 && !crdSources) return argoSyncWaves;
  const helmInfrastructure = -2 - depth;
  const crds = helmInfrastructure - 1;
  return { ...argoSyncWaves, settings: String(crdSources ? crds - 1 : crds), crds: String(crds), helmInfrastructure: String(helmInfrastructure) };
}

/**
 * The waves of a render where add-ons read declared Secrets (src/catalog/secret-order.ts): the other add-ons, then
 * `infrastructure` (every add-on's namespace), then `infrastructure-secrets` (the Secrets; the `secrets` wave), then
 * the readers, `readersDepth` deep, each level a wave of its own (the first is secrets + 1), ending just before the
 * configs and apps, whose waves do not move.
 */
function wavesWithSecrets(depth: number, crdSources: boolean, readersDepth: number): ArgoSyncWaves {
  const secrets = -2 - readersDepth;
  const infrastructure = secrets - 1;
  const helmInfrastructure = infrastructure - 1 - depth;
  const crds = helmInfrastructure - 1;
  return {
    ...argoSyncWaves,
    settings: String(crdSources ? crds - 1 : crds),
    crds: String(crds),
    helmInfrastructure: String(helmInfrastructure),
    infrastructure: String(infrastructure),
    secrets: String(secrets),
  };
}

/**
 * Writes a kustomize `kustomization.yaml` in every folder below each root that has none: its YAML files and its
 * sub-folders, so the Flux Kustomizations and Argo CD Applications that point at a root build everything below it.
 */
export function addKustomizations(files: Map<string, string>, roots: string[]): void {
  for (const root of roots) {
    // The Flux Kustomization / Argo CD Application for each root needs the folder even when nothing renders in it.
    const dirs = new Map<string, Set<string>>([[root, new Set()]]);
    for (const path of files.keys()) {
      if (!path.startsWith(`${root}/`) || !/\.ya?ml$/.test(path)) continue;
      const parts = path.split("/");
      for (let depth = 1; depth < parts.length; depth++) {
        const dir = parts.slice(0, depth).join("/");
        if (!dirs.has(dir)) dirs.set(dir, new Set());
        dirs.get(dir)!.add(depth === parts.length - 1 ? parts[depth]! : `${parts[depth]}`);
      }
    }
    for (const [dir, entries] of dirs) {
      if (files.has(`${dir}/kustomization.yaml`)) continue;
      const resources = [...entries].filter((entry) => entry !== "kustomization.yaml").sort();
      files.set(
        `${dir}/kustomization.yaml`,
        toYamlDocuments([{ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources }]),
      );
    }
  }
}

/** The namespaces of the workloads under apps/, in both engines' renders. */
const APP_NAMESPACES_DIR = "infrastructure/namespaces";

/** Edits the `resources` list of a kustomization.yaml, keeping its comments; `note` becomes its first comment line. */
function editResources(text: string, edit: (resources: string[]) => string[], note: string): string {
  const document = parseDocument(text);
  const current = document.get("resources");
  const resources = isSeq(current) ? current.items.map((item) => String((item as { value?: unknown }).value ?? item)) : [];
  document.set("resources", document.createNode(edit(resources)));
  return `# ${note}\n${document.toString({ lineWidth: 0 })}`;
}

/**
 * Argo CD: the namespaces of the workloads are built by the `apps` Application instead of `infrastructure`. Flux
 * applies the infrastructure layer first and the apps Kustomization waits for it (dependsOn); Argo CD child
 * Applications each sync on their own whenever a commit changes them, so a namespace added with its first workload
 * could otherwise arrive after the workload. In one Application, Argo CD creates Namespaces before what they hold.
 */
/**
 * Argo CD: an `infrastructure` layer left with nothing to build (every namespace moved to `apps`, no add-on) gets no
 * Application, instead of one that syncs nothing. Its kustomization.yaml stays, saying so; a render that adds
 * something to the layer (a parameter, a blueprint upgrade) brings the Application back with it.
 */
export function dropEmptyInfrastructureApplication(files: Map<string, string>, clusterPath: string): void {
  const kustomization = files.get("infrastructure/kustomization.yaml");
  if (kustomization === undefined) return;
  const resources = parseDocument(kustomization).get("resources");
  if (isSeq(resources) && resources.items.length > 0) return;
  files.delete(`${clusterPath}/argocd/apps/infrastructure.yaml`);
  files.set(
    "infrastructure/kustomization.yaml",
    "# Nothing to build here yet: namespaces/ is built by the apps Application (see apps/kustomization.yaml), and no\n" +
      "# Argo CD Application syncs this layer until a parameter or a blueprint upgrade adds something to it.\n" +
      toYamlDocuments([{ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources: [] }]),
  );
}

export function moveAppNamespacesToApps(files: Map<string, string>): void {
  const namespaces = `${APP_NAMESPACES_DIR}/kustomization.yaml`;
  const infrastructure = files.get("infrastructure/kustomization.yaml");
  const apps = files.get("apps/kustomization.yaml");
  if (!files.has(namespaces) || infrastructure === undefined || apps === undefined) return;
  files.set(
    "infrastructure/kustomization.yaml",
    editResources(infrastructure, (resources) => resources.filter((entry) => entry.replace(/\/$/, "") !== "namespaces"), "namespaces/ is built by the apps Application (see apps/kustomization.yaml)."),
  );
  files.set(
    "apps/kustomization.yaml",
    editResources(apps, (resources) => [`../${APP_NAMESPACES_DIR}`, ...resources], "The workloads' namespaces come first: Argo CD creates them in the same sync as the workloads."),
  );
}
