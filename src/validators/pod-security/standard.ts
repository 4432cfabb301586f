/**
 * The Pod Security Standards (https://kubernetes.io/docs/concepts/security/pod-security-standards/) as data and
 * checks over a pod spec held as plain JSON. Each control carries the name the documentation's tables give it and
 * the check id of the reference implementation (kubernetes/pod-security-admission, policy/check_*.go), with the
 * Kubernetes versions from which each behaviour applies, so that `--pod-security-version v1.30` judges a pod the
 * way that release's PodSecurity admission does.
 *
 * Written here rather than taken from a package: no maintained npm library implements these checks (the reference
 * is Go; Kyverno and Kubewarden ship theirs as cluster policies), and the checks are small and fully specified.
 * Facts only (field names, allowed values, version gates) carry over from the reference, whose licence is Apache-2.0.
 */

export type Level = "baseline" | "restricted";

/** Major-minor version; `latest` is every behaviour the table knows. */
export interface MinorVersion {
  major: number;
  minor: number;
}

export type PathSegment = string | number;

/** One broken control: where (a path from the pod spec's object root) and what to do. */
export interface Violation {
  checkId: string;
  /** The control's name in the documentation's tables, e.g. "Running as Non-root". */
  control: string;
  /** The profile the control belongs to (a baseline control stays baseline when checking restricted). */
  level: Level;
  /** The container the violation is about; absent for pod-level fields (volumes, host namespaces, sysctls). */
  container?: string;
  /** Path of the offending (or missing) field, relative to the pod template (`spec`, `metadata` inside it). */
  path: PathSegment[];
  message: string;
}

type Json = Record<string, unknown>;

/** What a check sees: the pod spec and metadata, and where they sit relative to the pod template. */
export interface PodView {
  spec: Json;
  metadata: Json;
  specPath: PathSegment[];
  metadataPath: PathSegment[];
}

interface ContainerRef {
  name: string;
  value: Json;
  path: PathSegment[];
}

type CheckFn = (pod: PodView, containers: ContainerRef[]) => Omit<Violation, "checkId" | "control" | "level">[];

interface VersionedCheck {
  since: MinorVersion;
  check: CheckFn;
  /** Baseline checks this restricted check replaces from this version on. */
  overrides?: string[];
}

interface Control {
  id: string;
  level: Level;
  control: string;
  versions: VersionedCheck[];
}

const v = (major: number, minor: number): MinorVersion => ({ major, minor });

function atLeast(version: MinorVersion, since: MinorVersion): boolean {
  return version.major > since.major || (version.major === since.major && version.minor >= since.minor);
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function object(value: unknown): Json | undefined {
  return isObject(value) ? value : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** init, then regular, then ephemeral containers, as the reference visitor walks them. */
function containersOf(pod: PodView): ContainerRef[] {
  const refs: ContainerRef[] = [];
  for (const field of ["initContainers", "containers", "ephemeralContainers"]) {
    list(pod.spec[field]).forEach((item, index) => {
      if (isObject(item)) refs.push({ name: str(item.name) || `${field}[${index}]`, value: item, path: [...pod.specPath, field, index] });
    });
  }
  return refs;
}

const securityContext = (container: ContainerRef) => object(container.value.securityContext);
const podSecurityContext = (pod: PodView) => object(pod.spec.securityContext);
const isWindows = (pod: PodView) => str(object(pod.spec.os)?.name) === "windows";
/** Pods in a user namespace (hostUsers: false) are exempt from some controls since v1.35. */
const inUserNamespace = (pod: PodView) => pod.spec.hostUsers === false;

/** A check that does nothing for some pods (Windows pods, user-namespace pods) and runs `check` for the others. */
function unless(skip: (pod: PodView) => boolean, check: CheckFn): CheckFn {
  return (pod, containers) => (skip(pod) ? [] : check(pod, containers));
}

const quote = (value: unknown) => JSON.stringify(value);

// --- Baseline ------------------------------------------------------------------------------------------------------

const hostProcess: CheckFn = (pod, containers) => {
  const found = [];
  if (object(podSecurityContext(pod)?.windowsOptions)?.hostProcess === true) {
    found.push({ path: [...pod.specPath, "securityContext", "windowsOptions", "hostProcess"], message: "the pod must not set securityContext.windowsOptions.hostProcess=true" });
  }
  for (const c of containers) {
    if (object(securityContext(c)?.windowsOptions)?.hostProcess === true) {
      found.push({ container: c.name, path: [...c.path, "securityContext", "windowsOptions", "hostProcess"], message: `container ${quote(c.name)} must not set securityContext.windowsOptions.hostProcess=true` });
    }
  }
  return found;
};

const hostNamespaces: CheckFn = (pod) =>
  ["hostNetwork", "hostPID", "hostIPC"]
    .filter((field) => pod.spec[field] === true)
    .map((field) => ({ path: [...pod.specPath, field], message: `the pod must not set ${field}=true (it would share the node's ${field.slice(4)} namespace)` }));

const privileged: CheckFn = (_pod, containers) =>
  containers
    .filter((c) => securityContext(c)?.privileged === true)
    .map((c) => ({ container: c.name, path: [...c.path, "securityContext", "privileged"], message: `container ${quote(c.name)} must not set securityContext.privileged=true` }));

/** Capabilities a container may add under baseline: the container runtimes' default set. */
const BASELINE_CAPABILITIES = new Set([
  "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
]);

const capabilitiesBaseline: CheckFn = (_pod, containers) =>
  containers.flatMap((c) => {
    const added = list(object(securityContext(c)?.capabilities)?.add).map(str).filter((cap) => !BASELINE_CAPABILITIES.has(cap));
    return added.length === 0
      ? []
      : [{ container: c.name, path: [...c.path, "securityContext", "capabilities", "add"], message: `container ${quote(c.name)} must not add ${added.map(quote).join(", ")} to securityContext.capabilities.add (only the runtime's default set is allowed)` }];
  });

const hostPathVolumes: CheckFn = (pod) =>
  list(pod.spec.volumes).flatMap((volume, index) =>
    isObject(volume) && volume.hostPath !== undefined && volume.hostPath !== null
      ? [{ path: [...pod.specPath, "volumes", index, "hostPath"], message: `volume ${quote(str(volume.name))} must not be a hostPath volume` }]
      : [],
  );

const hostPorts: CheckFn = (_pod, containers) =>
  containers.flatMap((c) =>
    list(c.value.ports).flatMap((port, index) =>
      isObject(port) && typeof port.hostPort === "number" && port.hostPort !== 0
        ? [{ container: c.name, path: [...c.path, "ports", index, "hostPort"], message: `container ${quote(c.name)} must not use hostPort ${port.hostPort}` }]
        : [],
    ),
  );

const hostProbesAndLifecycle: CheckFn = (_pod, containers) =>
  containers.flatMap((c) => {
    const handlers: Array<[PathSegment[], unknown]> = [
      ...["livenessProbe", "readinessProbe", "startupProbe"].map((probe): [PathSegment[], unknown] => [[probe], c.value[probe]]),
      ...["postStart", "preStop"].map((hook): [PathSegment[], unknown] => [["lifecycle", hook], object(c.value.lifecycle)?.[hook]]),
    ];
    return handlers.flatMap(([at, handler]) =>
      ["httpGet", "tcpSocket"].flatMap((action) => {
        const host = str(object(object(handler)?.[action])?.host);
        return host === ""
          ? []
          : [{ container: c.name, path: [...c.path, ...at, action, "host"], message: `container ${quote(c.name)} must not set ${[...at, action].join(".")}.host (${quote(host)}); probes and hooks go to the pod itself` }];
      }),
    );
  });

const appArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/";
const allowedAppArmorType = (type: unknown) => type === "RuntimeDefault" || type === "Localhost";

const appArmor: CheckFn = (pod, containers) => {
  const found = [];
  const podProfile = object(podSecurityContext(pod)?.appArmorProfile);
  if (podProfile && !allowedAppArmorType(podProfile.type)) {
    found.push({ path: [...pod.specPath, "securityContext", "appArmorProfile", "type"], message: `the pod must not set securityContext.appArmorProfile.type to ${quote(podProfile.type ?? "")} (allowed: RuntimeDefault, Localhost)` });
  }
  for (const c of containers) {
    const profile = object(securityContext(c)?.appArmorProfile);
    if (profile && !allowedAppArmorType(profile.type)) {
      found.push({ container: c.name, path: [...c.path, "securityContext", "appArmorProfile", "type"], message: `container ${quote(c.name)} must not set securityContext.appArmorProfile.type to ${quote(profile.type ?? "")} (allowed: RuntimeDefault, Localhost)` });
    }
  }
  for (const [key, value] of Object.entries(object(pod.metadata.annotations) ?? {})) {
    if (!key.startsWith(appArmorAnnotationPrefix)) continue;
    const profile = str(value);
    if (profile === "" || profile === "runtime/default" || profile.startsWith("localhost/")) continue;
    const name = key.slice(appArmorAnnotationPrefix.length);
    found.push({ container: name, path: [...pod.metadataPath, "annotations", key], message: `annotation ${key} must not set the AppArmor profile ${quote(profile)} (allowed: runtime/default, localhost/*)` });
  }
  return found;
};

function seLinux(allowedTypes: Set<string>): CheckFn {
  const problemsOf = (options: Json) => {
    const problems = [];
    if (!allowedTypes.has(str(options.type))) problems.push(`type ${quote(options.type)} is not one of ${[...allowedTypes].filter(Boolean).join(", ")}`);
    if (str(options.user) !== "") problems.push("user may not be set");
    if (str(options.role) !== "") problems.push("role may not be set");
    return problems;
  };
  return (pod, containers) => {
    const found = [];
    const podOptions = object(podSecurityContext(pod)?.seLinuxOptions);
    const podProblems = podOptions ? problemsOf(podOptions) : [];
    if (podProblems.length > 0) found.push({ path: [...pod.specPath, "securityContext", "seLinuxOptions"], message: `the pod's securityContext.seLinuxOptions: ${podProblems.join("; ")}` });
    for (const c of containers) {
      const options = object(securityContext(c)?.seLinuxOptions);
      const problems = options ? problemsOf(options) : [];
      if (problems.length > 0) found.push({ container: c.name, path: [...c.path, "securityContext", "seLinuxOptions"], message: `container ${quote(c.name)} securityContext.seLinuxOptions: ${problems.join("; ")}` });
    }
    return found;
  };
}

const procMount: CheckFn = (_pod, containers) =>
  containers.flatMap((c) => {
    const mount = securityContext(c)?.procMount;
    return mount === undefined || mount === null || mount === "Default"
      ? []
      : [{ container: c.name, path: [...c.path, "securityContext", "procMount"], message: `container ${quote(c.name)} must not set securityContext.procMount to ${quote(mount)} (only Default keeps the /proc masks)` }];
  });

const allowedSeccompType = (type: unknown) => type === "RuntimeDefault" || type === "Localhost";
const seccompPodAnnotation = "seccomp.security.alpha.kubernetes.io/pod";
const seccompContainerAnnotationPrefix = "container.seccomp.security.alpha.kubernetes.io/";

/** Before v1.19 seccomp was set by annotations; these values were the allowed ones. */
const seccompAnnotations: CheckFn = (pod, containers) => {
  const annotations = object(pod.metadata.annotations) ?? {};
  const allowed = (value: string) => value === "runtime/default" || value === "docker/default" || value.startsWith("localhost/");
  const found = [];
  if (seccompPodAnnotation in annotations && !allowed(str(annotations[seccompPodAnnotation]))) {
    found.push({ path: [...pod.metadataPath, "annotations", seccompPodAnnotation], message: `annotation ${seccompPodAnnotation} must not be ${quote(annotations[seccompPodAnnotation])}` });
  }
  for (const c of containers) {
    const key = seccompContainerAnnotationPrefix + c.name;
    if (key in annotations && !allowed(str(annotations[key]))) {
      found.push({ container: c.name, path: [...pod.metadataPath, "annotations", key], message: `annotation ${key} must not be ${quote(annotations[key])}` });
    }
  }
  return found;
};

/** Explicitly set seccomp types must be RuntimeDefault or Localhost (Unconfined is refused). */
const seccompBaseline: CheckFn = (pod, containers) => {
  const found = [];
  const podProfile = object(podSecurityContext(pod)?.seccompProfile);
  if (podProfile && !allowedSeccompType(podProfile.type)) {
    found.push({ path: [...pod.specPath, "securityContext", "seccompProfile", "type"], message: `the pod must not set securityContext.seccompProfile.type to ${quote(podProfile.type ?? "")} (allowed: RuntimeDefault, Localhost)` });
  }
  for (const c of containers) {
    const profile = object(securityContext(c)?.seccompProfile);
    if (profile && !allowedSeccompType(profile.type)) {
      found.push({ container: c.name, path: [...c.path, "securityContext", "seccompProfile", "type"], message: `container ${quote(c.name)} must not set securityContext.seccompProfile.type to ${quote(profile.type ?? "")} (allowed: RuntimeDefault, Localhost)` });
    }
  }
  return found;
};

function sysctls(allowed: ReadonlySet<string>): CheckFn {
  return (pod) =>
    list(podSecurityContext(pod)?.sysctls).flatMap((sysctl, index) => {
      const name = str(object(sysctl)?.name);
      return allowed.has(name)
        ? []
        : [{ path: [...pod.specPath, "securityContext", "sysctls", index, "name"], message: `the pod must not set the sysctl ${quote(name)} (not in the safe set of this Kubernetes version)` }];
    });
}

const SYSCTLS_1_0 = new Set(["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"]);
const SYSCTLS_1_27 = new Set([...SYSCTLS_1_0, "net.ipv4.ip_local_reserved_ports"]);
const SYSCTLS_1_29 = new Set([...SYSCTLS_1_27, "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"]);
const SYSCTLS_1_32 = new Set([...SYSCTLS_1_29, "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"]);
const SYSCTLS_1_37 = new Set([...SYSCTLS_1_32, "net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"]);

// --- Restricted ----------------------------------------------------------------------------------------------------

/** Inline volume sources the restricted profile allows. */
const ALLOWED_VOLUME_SOURCES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"];
/** Every source field of core/v1 VolumeSource; other keys are not sources (the API server drops them). */
const VOLUME_SOURCES = new Set([
  ...ALLOWED_VOLUME_SOURCES, "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs", "rbd", "flexVolume",
  "cinder", "cephfs", "flocker", "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume", "scaleIO", "storageos",
]);

const volumeTypes: CheckFn = (pod) =>
  list(pod.spec.volumes).flatMap((volume, index) => {
    if (!isObject(volume)) return [];
    // A volume with no source is defaulted to emptyDir by the API server, so it passes, as it does in admission.
    const sources = Object.keys(volume).filter((key) => VOLUME_SOURCES.has(key) && volume[key] !== null && volume[key] !== undefined);
    if (sources.length === 0 || sources.some((source) => ALLOWED_VOLUME_SOURCES.includes(source))) return [];
    return [{
      path: [...pod.specPath, "volumes", index, sources[0] as string],
      message: `volume ${quote(str(volume.name))} must not use the ${sources.join(", ")} volume type (allowed: ${ALLOWED_VOLUME_SOURCES.join(", ")})`,
    }];
  });

const privilegeEscalation: CheckFn = (_pod, containers) =>
  containers
    .filter((c) => securityContext(c)?.allowPrivilegeEscalation !== false)
    .map((c) => ({ container: c.name, path: [...c.path, "securityContext", "allowPrivilegeEscalation"], message: `container ${quote(c.name)} must set securityContext.allowPrivilegeEscalation=false` }));

const runAsNonRoot: CheckFn = (pod, containers) => {
  const found = [];
  const podValue = podSecurityContext(pod)?.runAsNonRoot;
  if (podValue === false) {
    found.push({ path: [...pod.specPath, "securityContext", "runAsNonRoot"], message: "the pod must not set securityContext.runAsNonRoot=false" });
  }
  for (const c of containers) {
    const value = securityContext(c)?.runAsNonRoot;
    if (value === false) {
      found.push({ container: c.name, path: [...c.path, "securityContext", "runAsNonRoot"], message: `container ${quote(c.name)} must not set securityContext.runAsNonRoot=false` });
    } else if (value !== true && podValue !== true && podValue !== false) {
      found.push({ container: c.name, path: [...c.path, "securityContext", "runAsNonRoot"], message: `container ${quote(c.name)} must set securityContext.runAsNonRoot=true (or the pod's securityContext must)` });
    }
  }
  return found;
};

const runAsUser: CheckFn = (pod, containers) => {
  const found = [];
  if (podSecurityContext(pod)?.runAsUser === 0) {
    found.push({ path: [...pod.specPath, "securityContext", "runAsUser"], message: "the pod must not set securityContext.runAsUser=0" });
  }
  for (const c of containers) {
    if (securityContext(c)?.runAsUser === 0) {
      found.push({ container: c.name, path: [...c.path, "securityContext", "runAsUser"], message: `container ${quote(c.name)} must not set securityContext.runAsUser=0` });
    }
  }
  return found;
};

const seccompRestricted: CheckFn = (pod, containers) => {
  const found = seccompBaseline(pod, containers);
  const podProfile = object(podSecurityContext(pod)?.seccompProfile);
  const podSet = podProfile !== undefined && allowedSeccompType(podProfile.type);
  const podBad = podProfile !== undefined && !podSet;
  for (const c of containers) {
    if (object(securityContext(c)?.seccompProfile) === undefined && !podSet && !podBad) {
      found.push({ container: c.name, path: [...c.path, "securityContext", "seccompProfile"], message: `container ${quote(c.name)} must set securityContext.seccompProfile.type to RuntimeDefault or Localhost (or the pod's securityContext must)` });
    }
  }
  return found;
};

const capabilitiesRestricted: CheckFn = (_pod, containers) =>
  containers.flatMap((c) => {
    const capabilities = object(securityContext(c)?.capabilities);
    const found = [];
    if (!list(capabilities?.drop).includes("ALL")) {
      found.push({ container: c.name, path: [...c.path, "securityContext", "capabilities", "drop"], message: `container ${quote(c.name)} must set securityContext.capabilities.drop=["ALL"]` });
    }
    const added = list(capabilities?.add).map(str).filter((cap) => cap !== "NET_BIND_SERVICE");
    if (added.length > 0) {
      found.push({ container: c.name, path: [...c.path, "securityContext", "capabilities", "add"], message: `container ${quote(c.name)} must not add ${added.map(quote).join(", ")} to securityContext.capabilities.add (only NET_BIND_SERVICE)` });
    }
    return found;
  });

/**
 * The controls, in the documentation's order. `since` follows the reference implementation; a control whose first
 * version is newer than the checked version does not apply.
 */
export const CONTROLS: readonly Control[] = [
  { id: "windowsHostProcess", level: "baseline", control: "HostProcess", versions: [{ since: v(1, 0), check: hostProcess }] },
  { id: "hostNamespaces", level: "baseline", control: "Host Namespaces", versions: [{ since: v(1, 0), check: hostNamespaces }] },
  { id: "privileged", level: "baseline", control: "Privileged Containers", versions: [{ since: v(1, 0), check: privileged }] },
  { id: "capabilities_baseline", level: "baseline", control: "Capabilities", versions: [{ since: v(1, 0), check: capabilitiesBaseline }] },
  { id: "hostPathVolumes", level: "baseline", control: "HostPath Volumes", versions: [{ since: v(1, 0), check: hostPathVolumes }] },
  { id: "hostPorts", level: "baseline", control: "Host Ports", versions: [{ since: v(1, 0), check: hostPorts }] },
  { id: "hostProbesAndHostLifecycle", level: "baseline", control: "Host Probes / Lifecycle Hooks (v1.34+)", versions: [{ since: v(1, 34), check: hostProbesAndLifecycle }] },
  { id: "appArmorProfile", level: "baseline", control: "AppArmor", versions: [{ since: v(1, 0), check: appArmor }] },
  {
    id: "seLinuxOptions", level: "baseline", control: "SELinux",
    versions: [
      { since: v(1, 0), check: seLinux(new Set(["", "container_t", "container_init_t", "container_kvm_t"])) },
      { since: v(1, 31), check: seLinux(new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"])) },
    ],
  },
  {
    id: "procMount", level: "baseline", control: "/proc Mount Type",
    versions: [{ since: v(1, 0), check: procMount }, { since: v(1, 35), check: unless(inUserNamespace, procMount) }],
  },
  {
    id: "seccompProfile_baseline", level: "baseline", control: "Seccomp",
    versions: [{ since: v(1, 0), check: seccompAnnotations }, { since: v(1, 19), check: seccompBaseline }],
  },
  {
    id: "sysctls", level: "baseline", control: "Sysctls",
    versions: [
      { since: v(1, 0), check: sysctls(SYSCTLS_1_0) },
      { since: v(1, 27), check: sysctls(SYSCTLS_1_27) },
      { since: v(1, 29), check: sysctls(SYSCTLS_1_29) },
      { since: v(1, 32), check: sysctls(SYSCTLS_1_32) },
      { since: v(1, 37), check: sysctls(SYSCTLS_1_37) },
    ],
  },
  { id: "restrictedVolumes", level: "restricted", control: "Volume Types", versions: [{ since: v(1, 0), check: volumeTypes, overrides: ["hostPathVolumes"] }] },
  {
    id: "allowPrivilegeEscalation", level: "restricted", control: "Privilege Escalation (v1.8+)",
    versions: [{ since: v(1, 8), check: privilegeEscalation }, { since: v(1, 25), check: unless(isWindows, privilegeEscalation) }],
  },
  {
    id: "runAsNonRoot", level: "restricted", control: "Running as Non-root",
    versions: [{ since: v(1, 0), check: runAsNonRoot }, { since: v(1, 35), check: unless(inUserNamespace, runAsNonRoot) }],
  },
  {
    id: "runAsUser", level: "restricted", control: "Running as Non-root user (v1.23+)",
    versions: [{ since: v(1, 23), check: runAsUser }, { since: v(1, 35), check: unless(inUserNamespace, runAsUser) }],
  },
  {
    id: "seccompProfile_restricted", level: "restricted", control: "Seccomp (v1.19+)",
    versions: [
      { since: v(1, 19), check: seccompRestricted, overrides: ["seccompProfile_baseline"] },
      { since: v(1, 25), check: unless(isWindows, seccompRestricted), overrides: ["seccompProfile_baseline"] },
    ],
  },
  {
    id: "capabilities_restricted", level: "restricted", control: "Capabilities (v1.22+)",
    versions: [
      { since: v(1, 22), check: capabilitiesRestricted, overrides: ["capabilities_baseline"] },
      { since: v(1, 25), check: unless(isWindows, capabilitiesRestricted), overrides: ["capabilities_baseline"] },
    ],
  },
  // v1.35+: the restricted profile keeps the /proc check for user-namespace pods, which baseline relaxes.
  { id: "procMount_restricted", level: "restricted", control: "/proc Mount Type", versions: [{ since: v(1, 35), check: procMount, overrides: ["procMount"] }] },
];

/** The check of each control that applies at `version` (undefined = latest), after the restricted overrides. */
function checksFor(level: Level, version: MinorVersion | undefined): Array<{ control: Control; check: CheckFn }> {
  const applicable = CONTROLS.filter((control) => level === "restricted" || control.level === "baseline").flatMap((control) => {
    const versions = control.versions.filter((entry) => version === undefined || atLeast(version, entry.since));
    const entry = versions[versions.length - 1];
    return entry ? [{ control, entry }] : [];
  });
  const overridden = new Set(applicable.flatMap(({ entry }) => entry.overrides ?? []));
  return applicable.filter(({ control }) => !overridden.has(control.id)).map(({ control, entry }) => ({ control, check: entry.check }));
}

/** Every control of `level` (at `version`, default latest) that the pod breaks, container by container. */
export function evaluatePod(pod: PodView, level: Level, version?: MinorVersion): Violation[] {
  const containers = containersOf(pod);
  return checksFor(level, version).flatMap(({ control, check }) =>
    check(pod, containers).map((found) => ({ checkId: control.id, control: control.control, level: control.level, ...found })),
  );
}

/** `v1.30`, `1.30` or `latest` (undefined); anything else is refused with the accepted forms. */
export function parseMinorVersion(text: string): MinorVersion | undefined {
  if (text === "latest") return undefined;
  const match = /^v?(\d+)\.(\d+)$/.exec(text);
  if (!match) throw new Error(`"${text}" is not a Kubernetes minor version: give one such as v1.30, or latest`);
  return { major: Number(match[1]), minor: Number(match[2]) };
}
