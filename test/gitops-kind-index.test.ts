/**
 * The GitOps checks read manifests by kind (repo-index.ts manifestsOfKind) instead of scanning every manifest: the
 * index must give what a scan gives, in the same order, and the kinds the checks read must cover every manifest
 * their predicates select.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isArgoApplication } from "../src/validators/gitops/argo.js";
import { isFluxKustomization, isHelmRelease } from "../src/validators/gitops/flux.js";
import { CHECKED_KINDS } from "../src/validators/gitops/index.js";
import { isKustomizeFile } from "../src/validators/gitops/kustomize.js";
import { hasUrlFields } from "../src/validators/gitops/placeholder-urls.js";
import { indexRepo, manifestsOfKind, type Manifest } from "../src/validators/gitops/repo-index.js";

const API_VERSIONS = ["v1", "apps/v1", "kustomize.config.k8s.io/v1beta1", "kustomize.toolkit.fluxcd.io/v1", "helm.toolkit.fluxcd.io/v2", "source.toolkit.fluxcd.io/v1", "argoproj.io/v1alpha1", "fluxcd.controlplane.io/v1", ""];
const KINDS = ["Deployment", "Kustomization", "Component", "HelmRelease", "GitRepository", "OCIRepository", "HelmRepository", "Application", "ApplicationSet", "AppProject", "FluxInstance", "ConfigMap", ""];
const FILES = ["apps/a.yaml", "apps/b.yaml", "kustomization.yaml", "apps/kustomization.yaml", "Kustomization"];

const documentArb = fc.record({
  apiVersion: fc.constantFrom(...API_VERSIONS),
  kind: fc.oneof(fc.constantFrom(...KINDS), fc.string({ minLength: 1, maxLength: 8 }).filter((kind) => /^[A-Za-z]+$/.test(kind))),
  name: fc.constantFrom("a", "b", "c"),
});
const documentText = ({ apiVersion, kind, name }: { apiVersion: string; kind: string; name: string }) =>
  [apiVersion ? `apiVersion: ${apiVersion}` : "", kind ? `kind: ${kind}` : "", `metadata: {name: ${name}}`, "spec: {url: https://example.com/r, source: {repoURL: https://example.com/r}, sourceRepos: [https://example.com/r]}"].filter(Boolean).join("\n");
/** Files of 1 to 4 documents, each file path used once. */
const repositoryArb = fc.uniqueArray(fc.record({ path: fc.constantFrom(...FILES), documents: fc.array(documentArb, { minLength: 1, maxLength: 4 }) }), { selector: (file) => file.path, minLength: 1 });

describe("manifestsOfKind", () => {
  it("gives the manifests a scan of the index gives, in index order, for one kind or several", () => {
    fc.assert(
      fc.property(repositoryArb, fc.subarray(KINDS), (files, kinds) => {
        const index = indexRepo(files.map((file) => ({ path: file.path, content: file.documents.map(documentText).join("\n---\n") })));
        expect(manifestsOfKind(index, ...kinds)).toEqual(index.manifests.filter((manifest) => kinds.includes(manifest.kind)));
        // The same kind twice gives each manifest once.
        expect(manifestsOfKind(index, ...kinds, ...kinds)).toEqual(index.manifests.filter((manifest) => kinds.includes(manifest.kind)));
      }),
    );
  });

  it("CHECKED_KINDS holds every kind a GitOps check gives a unit", () => {
    const selects = (manifest: Manifest) => isFluxKustomization(manifest) || isHelmRelease(manifest) || isArgoApplication(manifest) || hasUrlFields(manifest) || isKustomizeFile(manifest);
    fc.assert(
      fc.property(repositoryArb, (files) => {
        const index = indexRepo(files.map((file) => ({ path: file.path, content: file.documents.map(documentText).join("\n---\n") })));
        for (const manifest of index.manifests.filter(selects)) expect(CHECKED_KINDS).toContain(manifest.kind);
      }),
    );
  });
});
