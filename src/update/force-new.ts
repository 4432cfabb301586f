import { tableForType, type BodySchema } from "../validators/terraform/provider-tables.js";

/**
 * Whether changing the argument at `path` (attribute and block names, outermost first, e.g. `["cni"]` or
 * `["default_node_pool", "gpu_driver"]`) makes Terraform replace a resource of type `resourceType`: the provider
 * marks it ForceNew, or marks a block on the way ForceNew. `undefined` when the bundled provider tables do not
 * describe the resource type or the argument, so callers can say "unknown" instead of guessing "in place".
 *
 * The one place the update planner asks this; it reads the `forceNew` flags of the provider tables
 * (src/validators/terraform/providers/*.json) and can be swapped for the tables' own typed API.
 */
export function forcesReplacement(resourceType: string, path: readonly string[]): boolean | undefined {
  let body: BodySchema | undefined = tableForType(resourceType)?.resources[resourceType];
  for (const [index, name] of path.entries()) {
    if (!body) return undefined;
    const attribute = body.attributes[name];
    if (attribute) return index === path.length - 1 ? attribute.forceNew === true : undefined;
    const block: BodySchema["blocks"][string] | undefined = body.blocks[name];
    if (!block) return undefined;
    if (block.forceNew) return true;
    body = block.schema;
  }
  return false;
}
