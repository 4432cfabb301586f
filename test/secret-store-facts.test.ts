/**
 * The store packs grant what the providers' own sources say (#26): Scaleway's Secret Manager permission sets, Azure's
 * Key Vault role, Barbican's roles, as recorded with their sources in test/fixtures/secret-stores/provider-facts.json.
 * Each blueprint's own store (its schema's default) is rendered and held to the facts of that store.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { blueprintIds } from "../src/blueprints/registry.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { fixturesDir, repoRoot } from "./helpers/fixtures.js";

type Json = Record<string, any>;
const facts = JSON.parse(readFileSync(join(fixturesDir, "secret-stores", "provider-facts.json"), "utf8")) as Json;

const ownStore = (blueprint: string): string => JSON.parse(readFileSync(join(repoRoot, "blueprints", blueprint, "params.schema.json"), "utf8")).properties.secretStore.properties.kind.default;

/** What each store's render must show, from its facts (a store without facts fails, naming the file to complete). */
const checks: Record<string, (rendered: { tf: string; readme: string }, facts: Json) => void> = {
  "scaleway-secret-manager": ({ tf }, store) => {
    const granted = [...tf.matchAll(/permission_set_names\s*=\s*\[([^\]]*)\]/g)].flatMap((match) => [...match[1]!.matchAll(/"([^"]+)"/g)].map((name) => name[1]));
    expect(granted.sort()).toEqual(Object.keys(store.read).sort());
    for (const write of store.write) expect(tf).not.toContain(write);
    // Permission sets of Secret Manager are scoped by project: the rule names the cluster's.
    expect(store.scope).toBe("project");
    expect(tf).toMatch(/rule \{\s*project_ids\s*=\s*\[scaleway_k8s_cluster\.this\.project_id\]/);
  },
  "azure-key-vault": ({ tf }, store) => {
    const reader = /resource "azurerm_role_assignment" "eso_reader" \{[^}]*\}/.exec(tf)![0];
    expect(reader).toContain(`role_definition_name = "${store.reader.roleName}"`);
    expect(reader).toContain("scope                = azurerm_key_vault.this.id");
    expect(store.reader.dataActions.every((action: string) => action.startsWith("Microsoft.KeyVault/vaults/secrets/") && !action.includes("*"))).toBe(true);
    // The role works only on a vault with Azure RBAC.
    expect(tf).toMatch(/rbac_authorization_enabled\s*=\s*true/);
  },
  "openstack-barbican": ({ readme }, store) => {
    const legacy = store.legacy["least role that lists and decrypts"];
    const secure = store["secure-rbac"]["least role that lists and decrypts"];
    expect(readme).toContain(`\`${legacy}\` under\nBarbican's legacy defaults, \`${secure}\` under the secure-RBAC ones`);
    expect(readme).toContain(`\`${secure}\` may also create secrets`);
  },
};

describe.each(blueprintIds())("%s", (blueprint) => {
  test("its store's Terraform and README grant what the provider's source says, and no more", async () => {
    const kind = ownStore(blueprint);
    expect(facts[kind], `test/fixtures/secret-stores/provider-facts.json: add the facts of ${kind}, with their source`).toBeDefined();
    expect(facts[kind].source).toMatch(/commit [0-9a-f]{40}/);
    expect(checks[kind], `test/secret-store-facts.test.ts: say what ${kind}'s render must show`).toBeDefined();
    const { tree } = await renderBlueprint(blueprint, { values: { repoUrl: "https://github.com/acme/c.git" } }, { toolVersion: "0.0.0-test" });
    checks[kind]!({ tf: tree.get("terraform/secret-store.tf") ?? "", readme: tree.get("README.md")! }, facts[kind]);
  });
});
