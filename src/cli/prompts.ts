import type { Blueprint } from "../blueprints/types.js";
import { UsageError } from "../errors.js";
import type { RawParamsInput } from "../params/parse.js";
import type { CliIo } from "./io.js";

/** Prompts only on an interactive terminal, and never with --yes or in CI. */
export function canPrompt(yes: boolean | undefined, io: CliIo): boolean {
  return !yes && io.stdin.isTTY === true && io.stdout.isTTY === true && !io.env.CI;
}

function given(input: RawParamsInput, key: string): boolean {
  return (input.values !== undefined && key in input.values) || (input.sets ?? []).some((set) => set.path[0] === key);
}

/** Asks for a blueprint when none was given (TTY only). */
export async function promptBlueprint(ids: string[]): Promise<string> {
  const prompts = await import("@clack/prompts");
  const choice = await prompts.select({ message: "Blueprint", options: ids.map((id) => ({ value: id, label: id })) });
  if (prompts.isCancel(choice)) throw new UsageError("cancelled");
  return choice as string;
}

/**
 * Asks for the parameters a blueprint marks `x-prompt` that flags and files did not give, with the default
 * prefilled. Nested `x-prompt` fields (e.g. gpuPool.nodeType) are asked too.
 */
export async function promptParams(blueprint: Blueprint, input: RawParamsInput): Promise<Record<string, unknown>> {
  const prompts = await import("@clack/prompts");
  const answers: Record<string, unknown> = {};
  const properties = (blueprint.paramsSchema as any).properties as Record<string, any>;
  const ask = async (label: string, schema: any): Promise<unknown> => {
    const message = `${label} — ${schema.description ?? ""}`.trim();
    if (schema.type === "array") {
      // A list of strings (e.g. CIDRs) as one comma-separated line.
      const text = await prompts.text({ message: `${message} (comma-separated)`, initialValue: (schema.default ?? []).join(", ") });
      if (prompts.isCancel(text)) throw new UsageError("cancelled");
      return String(text).split(/[\s,]+/).filter(Boolean);
    }
    const result = schema.enum
      ? await prompts.select({ message, initialValue: schema.default, options: schema.enum.map((v: string) => ({ value: v, label: v })) })
      : await prompts.text({ message, initialValue: schema.default === undefined ? "" : String(schema.default) });
    if (prompts.isCancel(result)) throw new UsageError("cancelled");
    return schema.type === "integer" || schema.type === "number" ? Number(result) : result;
  };
  for (const [key, schema] of Object.entries(properties)) {
    if (given(input, key)) continue;
    if (schema["x-prompt"]) answers[key] = await ask(key, schema);
    else if (schema.type === "object" && schema.properties) {
      for (const [sub, subSchema] of Object.entries<any>(schema.properties)) {
        if (!subSchema["x-prompt"]) continue;
        const nested = (answers[key] ??= {}) as Record<string, unknown>;
        nested[sub] = await ask(`${key}.${sub}`, subSchema);
      }
    }
  }
  return answers;
}
