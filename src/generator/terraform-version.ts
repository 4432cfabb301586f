/**
 * Terraform writes version constraints as `>= 1.6.0, < 2.0.0` (and `~> 1.6`); hashicorp/setup-terraform's
 * `terraform_version` takes an npm semver range (`>=1.6.0 <2.0.0`). Converted here so that the CI installs exactly
 * the range versions.tf requires. Hand-written: the grammar is five operators, and no npm library converts it.
 */
const VERSION = /^\d+(\.\d+){0,2}$/;

function full(version: string): string {
  const parts = version.split(".");
  while (parts.length < 3) parts.push("0");
  return parts.join(".");
}

/** `~> 1.6` allows 1.x from 1.6 on; `~> 1.6.2` allows 1.6.x from 1.6.2 on (Terraform's pessimistic operator). */
function pessimistic(version: string): string {
  const parts = version.split(".").map(Number);
  const upper = parts.length === 1 ? [parts[0]! + 1] : [...parts.slice(0, -2), parts[parts.length - 2]! + 1];
  return `>=${full(version)} <${full(upper.join("."))}`;
}

export function terraformSetupRange(constraint: string): string {
  return constraint
    .split(",")
    .map((part) => {
      const match = /^\s*(>=|<=|~>|>|<|=)?\s*(\S+)\s*$/.exec(part);
      if (!match || !VERSION.test(match[2]!)) throw new Error(`cannot convert the Terraform version constraint "${part.trim()}" to a semver range`);
      const [, operator = "=", version] = match as unknown as [string, string | undefined, string];
      if (operator === "~>") return pessimistic(version);
      return `${operator === "=" ? "" : operator}${full(version)}`;
    })
    .join(" ");
}
