/**
 * The derivation scripts (scripts/derive-crd-schemas.mjs, scripts/derive-kubernetes-fields.mjs) on small upstream-like
 * inputs written here, and the committed derived data against the embedded schemas built from it.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import { embeddedValidator } from "../src/validators/kubernetes/embedded.js";
import { tempDir } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";

const sources = join(repoRoot, "schema-sources");

/** Runs a derivation script, awaited (a worker blocked on a child process cannot answer vitest); throws with its stderr. */
async function script(name: string, args: string[]): Promise<string> {
  try {
    return (await promisify(execFile)(process.execPath, [join(repoRoot, "scripts", name), ...args], { encoding: "utf8", timeout: 180_000, maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    throw new Error(`${name} exited ${failed.code}: ${failed.stderr}`);
  }
}

describe("scripts/derive-crd-schemas.mjs", () => {
  const dir = tempDir("ccr-derive-crd-");
  mkdirSync(join(dir, "in", "nested"), { recursive: true });
  writeFileSync(
    join(dir, "in", "nested", "widgets.yaml"),
    `# a CRD as controller-gen writes it
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1beta1
      served: false
      storage: false
      schema: {openAPIV3Schema: {type: object}}
    - name: v1
      served: true
      storage: true
      deprecated: false
      schema:
        openAPIV3Schema:
          description: Widget is documented at length.
          type: object
          properties:
            spec:
              description: WidgetSpec.
              type: object
              required: [interval]
              x-kubernetes-validations:
                - rule: has(self.a) != has(self.b)
                  message: exactly one of a and b
              properties:
                description: {type: string, description: a field named description stays}
                interval: {type: string, pattern: "^([0-9]+(\\\\.[0-9]+)?(ms|s|m|h))+$", example: 5m}
                port: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
                mode: {type: string, enum: [a, b], default: a, title: Mode}
                template: {type: object, x-kubernetes-embedded-resource: true, x-kubernetes-preserve-unknown-fields: true}
                items: {type: array, maxItems: 3, items: {type: string, minLength: 1}, x-kubernetes-list-type: set}
`,
  );

  test("keeps every constraint and marker of each served version, drops the prose, writes an index", async () => {
    await script("derive-crd-schemas.mjs", [join(dir, "in"), "--out", join(dir, "out")]);
    expect(readdirSync(join(dir, "out")).sort()).toEqual(["example.com", "index.json"]);
    expect(JSON.parse(readFileSync(join(dir, "out", "index.json"), "utf8"))).toEqual([
      { group: "example.com", kind: "Widget", version: "v1", storage: true, deprecated: false, file: "example.com/widget_v1.json" },
    ]);
    expect(JSON.parse(readFileSync(join(dir, "out", "example.com", "widget_v1.json"), "utf8"))).toEqual({
      type: "object",
      properties: {
        spec: {
          type: "object",
          required: ["interval"],
          "x-kubernetes-validations": [{ rule: "has(self.a) != has(self.b)", message: "exactly one of a and b" }],
          properties: {
            description: { type: "string" },
            interval: { type: "string", pattern: "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$" },
            port: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] },
            mode: { type: "string", enum: ["a", "b"], default: "a" },
            template: { type: "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true },
            items: { type: "array", maxItems: 3, items: { type: "string", minLength: 1 }, "x-kubernetes-list-type": "set" },
          },
        },
      },
    });
  });

  test("reads a CRD file that continues a quoted description at the key's indentation, as Go's YAML does (Flagger's crd.yaml)", async () => {
    const lenient = join(dir, "lenient");
    mkdirSync(join(lenient, "in"), { recursive: true });
    writeFileSync(
      join(lenient, "in", "gadgets.yaml"),
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.org}
spec:
  group: example.org
  names: {kind: Gadget, plural: gadgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            apiVersion:
              description: 'APIVersion defines the versioned schema
              of an object: more prose'
              type: string
`,
    );
    await script("derive-crd-schemas.mjs", [join(lenient, "in"), "--out", join(lenient, "out")]);
    expect(JSON.parse(readFileSync(join(lenient, "out", "example.org", "gadget_v1.json"), "utf8"))).toEqual({ type: "object", properties: { apiVersion: { type: "string" } } });
  });
});

describe("scripts/derive-kubernetes-fields.mjs", () => {
  const dir = tempDir("ccr-derive-k8s-");
  mkdirSync(join(dir, "api", "core", "v1"), { recursive: true });
  mkdirSync(join(dir, "api", "discovery", "v1"), { recursive: true });
  writeFileSync(
    join(dir, "api", "core", "v1", "types.go"),
    `package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Protocol defines network protocols supported for things like container ports.
// +enum
type Protocol string

const (
	// ProtocolTCP is the TCP protocol.
	ProtocolTCP Protocol = "TCP"
	// ProtocolUDP is the UDP protocol.
	ProtocolUDP Protocol = "UDP"
	DefaultProtocol Protocol = ProtocolTCP
)

// Not an enum: no marker.
type ResourceName string

type ResourceList map[ResourceName]resource.Quantity

type ContainerPort struct {
	Name string \`json:"name,omitempty"\`
	Protocol Protocol \`json:"protocol,omitempty" protobuf:"bytes,4,opt,name=protocol,casttype=Protocol"\`
}

type Common struct {
	Protocols []Protocol \`json:"protocols,omitempty"\`
}

type Container struct {
	metav1.TypeMeta \`json:",inline"\`
	Common \`json:",inline"\`
	Limits ResourceList \`json:"limits,omitempty"\`
	Size *resource.Quantity \`json:"size,omitempty"\`
	Ignored Protocol \`json:"-"\`
}
`,
  );
  writeFileSync(
    join(dir, "api", "discovery", "v1", "types.go"),
    `package v1

import (
	v1 "k8s.io/api/core/v1"
)

const ProtocolSCTP = v1.Protocol("SCTP")

type EndpointPort struct {
	Protocol *v1.Protocol \`json:"protocol,omitempty"\`
}
`,
  );

  test("enums from +enum types and their constants (in any package), quantities, through pointers, lists, maps and inline structs", async () => {
    const out = join(dir, "fields.json");
    await script("derive-kubernetes-fields.mjs", [join(dir, "api"), "--out", out]);
    const protocols = { enum: ["SCTP", "TCP", "UDP"] };
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual({
      "io.k8s.api.core.v1.Common": { protocols: { items: protocols } },
      "io.k8s.api.core.v1.Container": { protocols: { items: protocols }, limits: { additionalProperties: { quantity: true } }, size: { quantity: true } },
      "io.k8s.api.core.v1.ContainerPort": { protocol: protocols },
      "io.k8s.api.discovery.v1.EndpointPort": { protocol: protocols },
    });
  });
});

describe("the committed derived data", () => {
  const index = JSON.parse(readFileSync(join(sources, "crds", "index.json"), "utf8")) as { group: string; kind: string; version: string; file: string }[];

  test("covers the Flux 2.9 controllers (source-watcher included), the Flux Operator, Argo CD's three kinds and the add-ons' CRDs", () => {
    const groups = new Set(index.map((entry) => entry.group));
    // Every other group is an add-on's: addon-contract.test.ts holds each to its add-on's CRDs.
    expect([...groups].filter((group) => group === "argoproj.io" || group.endsWith("fluxcd.io") || group === "fluxcd.controlplane.io").sort()).toEqual([
      "argoproj.io",
      "fluxcd.controlplane.io",
      "helm.toolkit.fluxcd.io",
      "image.toolkit.fluxcd.io",
      "kustomize.toolkit.fluxcd.io",
      "notification.toolkit.fluxcd.io",
      "source.extensions.fluxcd.io",
      "source.toolkit.fluxcd.io",
    ]);
    // argoproj.io: Argo CD's three kinds and the argo-rollouts add-on's five, derived in one run.
    expect(index.filter((entry) => entry.group === "argoproj.io").map((entry) => entry.kind).sort()).toEqual([
      "AnalysisRun",
      "AnalysisTemplate",
      "AppProject",
      "Application",
      "ApplicationSet",
      "ClusterAnalysisTemplate",
      "Experiment",
      "Rollout",
    ]);
  });

  test("Argo CD's kinds stay in the bundle every Argo CD repository loads; Argo Rollouts' ship apart", () => {
    const kinds = JSON.parse(readFileSync(join(repoRoot, "schemas", "kubernetes", "index.json"), "utf8")).kinds["argoproj.io/v1alpha1"] as Record<string, { bundle: string }>;
    expect(Object.fromEntries(Object.entries(kinds).map(([kind, { bundle }]) => [kind, bundle]))).toEqual({
      AnalysisRun: "argoproj.io",
      AnalysisTemplate: "argoproj.io",
      AppProject: "argo-cd",
      Application: "argo-cd",
      ApplicationSet: "argo-cd",
      ClusterAnalysisTemplate: "argoproj.io",
      Experiment: "argoproj.io",
      Rollout: "argoproj.io",
    });
  });

  test.each(index.map((entry) => [`${entry.group}/${entry.version} ${entry.kind}`, entry] as const))("%s is embedded, strict and not", async (_name, entry) => {
    for (const strict of [false, true]) expect(await embeddedValidator(`${entry.group}/${entry.version}`, entry.kind, strict)).toBeTypeOf("function");
  });

  test("holds no prose", () => {
    const prose: string[] = [];
    const walk = (schema: unknown, where: string): void => {
      if (!schema || typeof schema !== "object") return;
      for (const [key, value] of Object.entries(schema)) {
        if (key === "description" && typeof value === "string") prose.push(where);
        if (key === "properties" && value && typeof value === "object") {
          for (const [name, sub] of Object.entries(value)) walk(sub, `${where}.${name}`);
        } else if (key !== "enum" && key !== "default") walk(value, `${where}/${key}`);
      }
    };
    for (const entry of index) walk(JSON.parse(readFileSync(join(sources, "crds", entry.file), "utf8")), entry.file);
    expect(prose).toEqual([]);
  });
});
