/** The Flux releases table (schemas/flux/served.json) read by the pinned-release check. */
import { describe, expect, test } from "vitest";
import { defaults } from "../src/defaults.js";
import { embeddedSources, servedApiVersions } from "../src/validators/kubernetes/embedded.js";
import { fluxMinorOf, fluxServedVersions, servedByFlux } from "../src/validators/kubernetes/flux-releases.js";

describe("Flux release pins", () => {
  test("an exact release, a patch range and 2.x name one minor release; what the table does not know names none", () => {
    expect(["2.5.1", "v2.5.1", "2.5.x", "2.5", "2.5.*"].map(fluxMinorOf)).toEqual(["2.5", "2.5", "2.5", "2.5", "2.5"]);
    expect(["2.x", "2", "*", "v2.x"].map(fluxMinorOf)).toEqual(["2.9", "2.9", "2.9", "2.9"]);
    expect([">=2.4.0", "2.99.0", "1.x", "latest", ""].map(fluxMinorOf)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  test("the table agrees with the embedded schemas for the embedded release's minor", () => {
    const embedded = embeddedSources().flux!.replace(/^v/, "").split(".").slice(0, 2).join(".");
    const kinds = ["GitRepository", "HelmRepository", "HelmChart", "OCIRepository", "Bucket", "Kustomization", "HelmRelease", "Alert", "Provider", "Receiver", "ImagePolicy", "ImageRepository", "ImageUpdateAutomation"];
    for (const kind of kinds) {
      const fromSchemas = servedApiVersions(kind).filter((apiVersion) => apiVersion.includes(".toolkit.fluxcd.io/")).sort();
      const group = fromSchemas[0]!.slice(0, fromSchemas[0]!.lastIndexOf("/"));
      expect(fluxServedVersions(embedded, group, kind).sort(), kind).toEqual(fromSchemas);
    }
  });

  test("served versions change across releases as the controllers' CRDs did; kinds of other groups are not known", () => {
    expect(servedByFlux("2.5", "source.toolkit.fluxcd.io/v1beta2", "OCIRepository")).toBe(true);
    expect(servedByFlux("2.5", "source.toolkit.fluxcd.io/v1", "OCIRepository")).toBe(false);
    expect(servedByFlux("2.2", "helm.toolkit.fluxcd.io/v2", "HelmRelease")).toBe(false);
    expect(servedByFlux("2.3", "helm.toolkit.fluxcd.io/v2", "HelmRelease")).toBe(true);
    expect(servedByFlux("2.5", "fluxcd.controlplane.io/v1", "FluxInstance")).toBeUndefined();
    expect(servedByFlux("2.5", "apps/v1", "Deployment")).toBeUndefined();
  });

  test("the Flux release our rendered repositories install is the embedded schemas' and the newest the table knows", () => {
    expect(defaults.fluxVersion).toBe(embeddedSources().flux);
    expect(fluxMinorOf(defaults.fluxVersion)).toBe(fluxMinorOf("2.x"));
  });
});
