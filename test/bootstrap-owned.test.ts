import { describe, expect, test } from "vitest";
import { bootstrapOwnership, fluxSystemDir } from "../src/update/bootstrap-owned.js";

const reader = (files: string[]) => async (path: string) => (files.includes(path) ? "content" : undefined);

describe("which paths are handed over on Day 1", () => {
  const flux = { gitops: "flux" as const, params: { clusterName: "prod" } };

  test("Flux, bootstrapped (gotk-components.yaml present): flux-system/ of this cluster belongs to flux bootstrap", async () => {
    const ownership = await bootstrapOwnership(flux, reader(["clusters/prod/flux-system/gotk-components.yaml"]));
    expect(ownership.owner).toEqual({ tool: "flux bootstrap", dir: "clusters/prod/flux-system/" });
    expect(ownership.owns("clusters/prod/flux-system/gotk-sync.yaml")).toBe(true);
    expect(ownership.owns("clusters/prod/flux-system/kustomization.yaml")).toBe(true);
    for (const path of ["clusters/prod/apps.yaml", "clusters/prod/flux-system-extra/x.yaml", "clusters/other/flux-system/gotk-sync.yaml", "cluster-repo.yaml"]) {
      expect(ownership.owns(path)).toBe(false);
    }
  });

  test("Flux before bootstrap (only the seed gotk-sync.yaml), and Argo CD: nothing is handed over", async () => {
    const seeded = await bootstrapOwnership(flux, reader(["clusters/prod/flux-system/gotk-sync.yaml"]));
    expect(seeded.owner).toBeUndefined();
    expect(seeded.owns("clusters/prod/flux-system/gotk-sync.yaml")).toBe(false);
    const argo = await bootstrapOwnership({ gitops: "argo", params: { clusterName: "prod" } }, reader(["clusters/prod/flux-system/gotk-components.yaml"]));
    expect(argo.owns("clusters/prod/flux-system/gotk-sync.yaml")).toBe(false);
    expect(fluxSystemDir("prod")).toBe("clusters/prod/flux-system/");
  });
});
