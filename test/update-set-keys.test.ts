/**
 * `--set` for keys that are not plain names: a Kubernetes label key such as `topology.kubernetes.io/region` has
 * dots and a slash, so it is written `labels["topology.kubernetes.io/region"]` (or with single quotes). The same
 * form comes back in messages, plan output and commit messages.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { InputError } from "../src/errors.js";
import { formatPath, parseParamPath, parseSetFlag } from "../src/params/set-flags.js";
import { runCli, tempDir } from "./helpers/cli.js";

const REGION = "topology.kubernetes.io/region";

describe("--set with quoted keys", () => {
  test("parses bracketed keys with either quote, escapes, and mixes with names and indexes", () => {
    expect(parseSetFlag(`externalPools[0].labels["${REGION}"]=aws-eu-west-1`)).toMatchObject({ path: ["externalPools", 0, "labels", REGION], raw: "aws-eu-west-1" });
    expect(parseSetFlag(`labels['${REGION}']=x`).path).toEqual(["labels", REGION]);
    expect(parseSetFlag(`["a.b"].c=1`).path).toEqual(["a.b", "c"]);
    expect(parseParamPath(String.raw`m["say \"hi\""]`)).toEqual(["m", 'say "hi"']);
    // The value may hold "=" and quotes; only the path is parsed.
    expect(parseSetFlag(`labels["a"]=x=y"z`).raw).toBe(`x=y"z`);
    expect(formatPath(["externalPools", 0, "labels", REGION])).toBe(`externalPools[0].labels["${REGION}"]`);
    expect(formatPath(["gpuPool", "size"])).toBe("gpuPool.size");
  });

  test.each([
    [`labels["${REGION}"=x`, /malformed parameter path in --set labels\["topology\.kubernetes\.io\/region"=x: "labels\["topology/],
    [`labels["${REGION}"]`, /malformed --set .*: expected key=value/],
    [`labels[""]=x`, /malformed parameter path in --set labels\[""\]=x: "labels\[""\]" is not a name or name\[index\], nor a quoted \["key"\]/],
    [`labels["a"x]=1`, /malformed parameter path/],
    [`labels.${REGION}=x`, /malformed parameter path in .*: unexpected "\/region" before "="\. .*--set 'pools\[0\]\.labels\["topology\.kubernetes\.io\/region"\]=nl-ams'/],
  ])("%s is refused with the form to use", (flag, message) => {
    const error = (() => {
      try {
        parseSetFlag(flag);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(message);
  });

  test("through the CLI: create records the label, plan names it as typed, a bad value points at the flag", async () => {
    const dir = join(tempDir("ccr-set-keys-"), "fleet");
    const created = await runCli(["-b", "kosmos-multicloud", "-y", "--set", `externalPools[0].labels["${REGION}"]=aws-eu-west-1`, dir]);
    expect(created.status, created.stderr).toBe(0);

    const plan = await runCli(["plan", dir, "--set", `externalPools[0].labels['${REGION}']=aws-eu-central-1`, "--diff"]);
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`+  labels      = { "${REGION}" = "aws-eu-central-1" }`);

    const bad = await runCli(["plan", dir, "--set", `externalPools[0].labels["${REGION}"]=not valid!`]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(`externalPools[0].labels["${REGION}"]: "not valid!" is not valid`);
    expect(bad.stderr).toContain(`(from --set externalPools[0].labels["${REGION}"]=not valid!)`);
  });
});
