/**
 * Flux's post-build substitution language, as src/validators/engines/envsubst.ts evaluates it: each case is what
 * kustomize-controller (fluxcd/pkg envsubst, non-strict) makes of the text, read from the fork's parser and functions.
 */
import { describe, expect, test } from "vitest";
import { hasVariables, substitute, SubstitutionError, UNKNOWN, type Lookup } from "../src/validators/engines/envsubst.js";

const vars: Record<string, string | typeof UNKNOWN> = {
  CLUSTER: "home",
  DOMAIN: "Example.ORG",
  PATH_NAME: "apps/home/web.yaml",
  REPLICAS: "3",
  EMPTY: "",
  SECRET: UNKNOWN,
};
const lookup: Lookup = (name) => vars[name];
const text = (input: string) => {
  const result = substitute(input, lookup);
  if (!("text" in result)) throw new Error(`unknown: ${result.unknown.join(", ")}`);
  return result.text;
};

describe("Flux envsubst", () => {
  test.each([
    ["plain text", "a: b", "a: b"],
    ["a variable", "./clusters/${CLUSTER}/apps", "./clusters/home/apps"],
    ["$VAR is text, not a variable", "echo $CLUSTER", "echo $CLUSTER"],
    ["$$ is an escaped $", "cost: $$5 ${CLUSTER}", "cost: $5 home"],
    ["$${VAR} is the literal ${VAR}", "$${CLUSTER}", "${CLUSTER}"],
    ["an unset variable is empty (non-strict Flux)", "[${MISSING}]", "[]"],
    ["defaults of every spelling, for unset and empty", "${MISSING:=a} ${EMPTY:-b} ${MISSING=c} ${REPLICAS:=9}", "a b c 3"],
    ["a default holding a variable", "${MISSING:=${CLUSTER}-x}", "home-x"],
    ["case functions", "${DOMAIN,,} ${DOMAIN^^} ${CLUSTER^} ${DOMAIN,}", "example.org EXAMPLE.ORG Home example.ORG"],
    ["length", "${#CLUSTER}", "4"],
    ["substrings", "${PATH_NAME:5} ${PATH_NAME:5:4} ${PATH_NAME:-8}", "home/web.yaml home apps/home/web.yaml"],
    ["prefix and suffix removal with globs", "${PATH_NAME#*/} ${PATH_NAME##*/} ${PATH_NAME%.*} ${PATH_NAME%%/*}", "home/web.yaml web.yaml apps/home/web apps"],
    ["replacement", "${PATH_NAME/\\//-} ${PATH_NAME//\\//-} ${PATH_NAME/#apps/x} ${PATH_NAME/%yaml/yml}", "apps-home/web.yaml apps-home-web.yaml x/home/web.yaml apps/home/web.yml"],
  ])("%s", (_name, input, output) => {
    expect(text(input)).toBe(output);
  });

  test("an expression on a variable only the cluster knows is unknown, with the variables it needs", () => {
    expect(substitute("host: web.${SECRET}", lookup)).toEqual({ unknown: ["SECRET"] });
    expect(substitute("${MISSING:=${SECRET}}", lookup)).toEqual({ unknown: ["SECRET"] });
    // a default is not read when the variable has a value
    expect(substitute("${CLUSTER:=${SECRET}}", lookup)).toEqual({ text: "home" });
  });

  test("what Flux's parser refuses is an error, with its reason", () => {
    expect(() => substitute("${CLUSTER", lookup)).toThrow(SubstitutionError);
    expect(() => substitute("${CLUSTER", lookup)).toThrow("missing closing brace");
    expect(() => substitute("${}", lookup)).toThrow("unable to parse variable name");
    expect(() => substitute("${CLUSTER-x}", lookup)).toThrow("missing closing brace");
    expect(() => substitute("${CLUSTER:=x", lookup)).toThrow(SubstitutionError);
  });

  test("hasVariables tells an expression from escaped or plain text", () => {
    expect(hasVariables("${A}")).toBe(true);
    expect(hasVariables("$${A} and $A")).toBe(false);
    expect(hasVariables("no dollar")).toBe(false);
  });
});

describe("Flux envsubst on hostile input", () => {
  test("a glob with many stars against a long value is matched in linear time, never by backtracking", () => {
    const value = "a".repeat(2_000);
    const pattern = `${"*a".repeat(40)}*b`;
    const lookup: Lookup = (name) => (name === "LONG" ? value : undefined);
    // No wall-clock bound (the suite runs on busy machines): a backtracking matcher would not finish at all.
    expect(substitute(`\${LONG##${pattern}}`, lookup)).toEqual({ text: value });
    expect(substitute("${LONG%%*a}", lookup)).toEqual({ text: "" });
  });
});
