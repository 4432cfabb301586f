import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadProviderTable, providerTablesDir, splitProviderTable, SPLIT_TABLES_DIR, tabledProviders } from "../src/validators/terraform/provider-tables.js";

// The build splits each Terraform provider table (src/validators/terraform/provider-tables.ts): a run parses only
// the resource types it reads. What a run sees must be the shipped table, whole.
describe.each(tabledProviders)("the %s table", (provider) => {
  const text = readFileSync(join(providerTablesDir, `${provider}.json`), "utf8");

  test("the build's split form is of the shipped file, and the loaded table equals the file parsed whole", async () => {
    const split = JSON.parse(readFileSync(join(SPLIT_TABLES_DIR, `${provider}.json`), "utf8"));
    expect(split).toEqual(splitProviderTable(text));
    const table = await loadProviderTable(provider);
    // read from the split form: its resources are not parsed until read
    expect(Object.getOwnPropertyDescriptor(table!.resources, Object.keys(table!.resources)[0]!)?.get).toBeTypeOf("function");
    expect(JSON.parse(JSON.stringify(table))).toEqual(JSON.parse(text));
    expect(Object.keys(table!.resources)).toEqual(Object.keys(JSON.parse(text).resources));
  });

  test("a split form of another text is not used", () => {
    const edited = text.replace(/"version": *"[^"]*"/, '"version": "0.0.0-edited"');
    expect(edited).not.toBe(text);
    expect(splitProviderTable(edited).digest).not.toBe(splitProviderTable(text).digest);
  });
});
