/**
 * Flux's post-build variable substitution language (`${VAR}`, `${VAR:=default}`, `${VAR,,}`...), as
 * kustomize-controller evaluates it with fluxcd/pkg `envsubst` (a fork of drone/envsubst): only `${...}` is a
 * variable (`$VAR` is text), `$$` is an escaped `$`, and a variable Flux has no value for is empty (its default mode).
 * The rules were read from fluxcd/pkg envsubst (parse/scan.go, parse/parse.go, template.go, funcs.go, path/match.go);
 * no npm package implements this fork's dialect (`envsub`, `@tuplo/envsubst` follow GNU envsubst or bash), hence
 * this module.
 *
 * Evaluation is three-valued here: a variable may be known, known to be unset (empty, as in Flux), or unknown (its
 * value is in a Secret outside the repository, or encrypted). An expression that depends on an unknown variable
 * evaluates to unknown, so that its field can be named "not checked" instead of being checked with a wrong value.
 */

/** A variable's value: a string, or {@link UNKNOWN} when only the cluster knows it. Unset variables are `undefined`. */
export const UNKNOWN: unique symbol = Symbol("unknown variable");
export type Lookup = (name: string) => string | typeof UNKNOWN | undefined;

type Node = { text: string } | { param: string; func: string; args: Node[][] };

/** A text Flux cannot evaluate: it fails the Kustomization's build with this reason. */
export class SubstitutionError extends Error {}

/** The result of substituting a text: the new text, or the unknown variables it depends on. */
export type Substituted = { text: string } | { unknown: string[] };

/** Substitutes Flux variables in `text`; throws SubstitutionError where Flux's parser would fail. */
export function substitute(text: string, lookup: Lookup): Substituted {
  if (!text.includes("$")) return { text };
  const nodes = new Parser(text).parseText();
  const unknown = new Set<string>();
  const value = evaluateList(nodes, lookup, unknown);
  return value === UNKNOWN ? { unknown: [...unknown].sort() } : { text: value };
}

/** Whether `text` holds a variable expression (as opposed to `$$`-escaped text or `$VAR`). */
export function hasVariables(text: string): boolean {
  if (!text.includes("${")) return false;
  try {
    return new Parser(text).parseText().some((node) => "param" in node);
  } catch {
    return true;
  }
}

function evaluateList(nodes: Node[], lookup: Lookup, unknown: Set<string>): string | typeof UNKNOWN {
  let out = "";
  let missing = false;
  for (const node of nodes) {
    const value = evaluate(node, lookup, unknown);
    if (value === UNKNOWN) missing = true;
    else out += value;
  }
  return missing ? UNKNOWN : out;
}

function evaluate(node: Node, lookup: Lookup, unknown: Set<string>): string | typeof UNKNOWN {
  if ("text" in node) return node.text;
  const found = lookup(node.param);
  const args = () => {
    const values = node.args.map((arg) => evaluateList(arg, lookup, unknown));
    return values.includes(UNKNOWN) ? UNKNOWN : (values as string[]);
  };
  if (found === UNKNOWN) {
    unknown.add(node.param);
    return UNKNOWN;
  }
  const value = found ?? "";
  const fn = FUNCTIONS[node.func];
  if (fn === DEFAULT && value !== "") return value;
  const values = args();
  if (values === UNKNOWN) return UNKNOWN;
  return (fn ?? DEFAULT)(value, values);
}

type Fn = (value: string, args: string[]) => string;

/** A value, or when empty the arguments joined (every default-style operator: `=`, `:=`, `:-`, `:?`, `:+`). */
const DEFAULT: Fn = (value, args) => (value === "" && args.length > 0 ? args.join("") : value);

const FUNCTIONS: Record<string, Fn> = {
  "": (value) => value,
  ",": (value) => (value === "" ? value : value[0]!.toLowerCase() + value.slice(1)),
  ",,": (value) => value.toLowerCase(),
  "^": (value) => (value === "" ? value : value[0]!.toUpperCase() + value.slice(1)),
  "^^": (value) => value.toUpperCase(),
  "#": (value, args) => (args.length === 0 ? String(Buffer.byteLength(value)) : trimPrefix(value, args[0]!, "shortest")),
  "##": (value, args) => (args.length === 0 ? value : trimPrefix(value, args[0]!, "longest")),
  "%": (value, args) => (args.length === 0 ? value : reverse(trimPrefix(reverse(value), reverse(args[0]!), "shortest"))),
  "%%": (value, args) => (args.length === 0 ? value : reverse(trimPrefix(reverse(value), reverse(args[0]!), "longest"))),
  ":": substring,
  "/": (value, args) => (args.length === 0 ? value : value.replace(args[0]!, () => args[1] ?? "")),
  "//": (value, args) => (args.length === 0 || args[0] === "" ? value : value.split(args[0]!).join(args[1] ?? "")),
  "/#": (value, args) => (args.length === 2 && value.startsWith(args[0]!) ? args[1] + value.slice(args[0]!.length) : value),
  "/%": (value, args) => (args.length === 2 && value.endsWith(args[0]!) ? value.slice(0, value.length - args[0]!.length) + args[1] : value),
  "=": DEFAULT,
  ":=": DEFAULT,
  ":-": DEFAULT,
  ":?": DEFAULT,
  ":+": DEFAULT,
};

/** `${VAR:offset}` and `${VAR:offset:length}`, on bytes as Go slices strings (ASCII in practice). */
function substring(value: string, args: string[]): string {
  let position = /^[-+]?\d+$/.test(args[0] ?? "") ? Number(args[0]) : Number.NaN;
  if (Number.isNaN(position)) return value;
  if (position < 0) position = Math.max(0, value.length + position);
  if (args.length === 1) return position < value.length ? value.slice(position) : "";
  const length = /^[-+]?\d+$/.test(args[1] ?? "") ? Number(args[1]) : Number.NaN;
  if (Number.isNaN(length)) return value;
  if (position + length >= value.length) return position < value.length ? value.slice(position) : "";
  return value.slice(position, position + length);
}

function reverse(text: string): string {
  return [...text].reverse().join("");
}

/**
 * Trims the shortest or longest prefix that matches a glob (the fork's path.Match: `*` also matches `/`). The glob
 * runs as a set of states over the value, once: linear in the value for any pattern, so that a pattern written in a
 * repository (`${X##*a*a*a*b}`) cannot make validation slow, as a backtracking regular expression would.
 */
function trimPrefix(value: string, pattern: string, which: "shortest" | "longest"): string {
  const tokens = globTokens(pattern);
  if (!tokens) return value;
  const lengths = matchingPrefixes([...value], tokens);
  // funcs.go: a match of the empty prefix trims nothing
  const candidates = lengths.filter((length) => length > 0);
  if (candidates.length === 0) return value;
  const length = which === "longest" ? candidates[candidates.length - 1]! : candidates[0]!;
  return [...value].slice(length).join("");
}

type GlobToken = { star: true } | { test: (c: string) => boolean };

/** A glob (`*`, `?`, `[a-z]`, `[^x]`, `\x`) as tokens; undefined for a bad pattern (Go then returns the value). */
function globTokens(pattern: string): GlobToken[] | undefined {
  const tokens: GlobToken[] = [];
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === "*") tokens.push({ star: true });
    else if (c === "?") tokens.push({ test: () => true });
    else if (c === "\\") {
      const next = chars[++i];
      if (next === undefined) return undefined;
      tokens.push({ test: (x) => x === next });
    } else if (c === "[") {
      const end = chars.indexOf("]", i + 2);
      if (end < 0) return undefined;
      let body = chars.slice(i + 1, end);
      const negated = body[0] === "^";
      if (negated) body = body.slice(1);
      const ranges: [string, string][] = [];
      for (let j = 0; j < body.length; j++) {
        if (body[j + 1] === "-" && body[j + 2] !== undefined) {
          ranges.push([body[j]!, body[j + 2]!]);
          j += 2;
        } else ranges.push([body[j]!, body[j]!]);
      }
      tokens.push({ test: (x) => ranges.some(([low, high]) => low <= x && x <= high) !== negated });
      i = end;
    } else tokens.push({ test: (x) => x === c });
  }
  return tokens;
}

/** The lengths of the prefixes of `value` (in characters) that the whole glob matches, shortest first. */
function matchingPrefixes(value: string[], tokens: GlobToken[]): number[] {
  const close = (states: Set<number>) => {
    for (const state of [...states].sort((a, b) => a - b)) {
      for (let next = state; next < tokens.length && "star" in tokens[next]!; next++) states.add(next + 1);
    }
    return states;
  };
  let states = close(new Set([0]));
  const lengths: number[] = states.has(tokens.length) ? [0] : [];
  for (let i = 0; i < value.length && states.size > 0; i++) {
    const next = new Set<number>();
    for (const state of states) {
      const token = tokens[state];
      if (!token) continue;
      if ("star" in token) next.add(state);
      else if (token.test(value[i]!)) next.add(state + 1);
    }
    states = close(next);
    if (states.has(tokens.length)) lengths.push(i + 1);
  }
  return lengths;
}

const IDENT = /[\p{L}\p{N}_]/u;

/** A recursive-descent reading of the fork's scanner and parser: the same escapes, delimiters and errors. */
class Parser {
  private at = 0;

  constructor(private readonly source: string) {}

  /** Text with `${...}` expressions; `$$` reads as `$`. */
  parseText(): Node[] {
    const nodes: Node[] = [];
    let text = "";
    while (this.at < this.source.length) {
      const c = this.source[this.at]!;
      if (c === "$" && this.source[this.at + 1] === "{") {
        if (text) nodes.push({ text });
        text = "";
        this.at += 2;
        nodes.push(this.parseFunction());
      } else if (c === "$" && this.source[this.at + 1] === "$") {
        text += "$";
        this.at += 2;
      } else {
        text += c;
        this.at++;
      }
    }
    if (text) nodes.push({ text });
    return nodes;
  }

  private peek(offset = 0): string | undefined {
    return this.source[this.at + offset];
  }

  private fail(reason: string): never {
    throw new SubstitutionError(reason);
  }

  private closing(reason = "bad substitution"): void {
    if (this.peek() !== "}") this.fail(reason);
    this.at++;
  }

  /** After `${`: a variable and its operator. */
  private parseFunction(): Node {
    if (this.peek() === "#") {
      this.at++;
      const param = this.identifier();
      if (!param) this.fail("bad substitution");
      this.closing();
      return { param, func: "#", args: [] };
    }
    const param = this.identifier();
    if (!param) this.fail("unable to parse variable name");
    const next = this.peek();
    if (next === ":") {
      if ("=-?+".includes(this.peek(1) ?? "x")) return this.defaults(param, `:${this.source[this.at + 1]}`, 2);
      return this.substring(param);
    }
    if (next === "=") return this.defaults(param, "=", 1);
    if (next === "," || next === "^") {
      let func = "";
      while (func.length < 2 && (this.peek() === "," || this.peek() === "^")) func += this.source[this.at++];
      this.closing();
      return { param, func, args: [] };
    }
    if (next === "/") {
      let func = "/";
      this.at++;
      if (this.peek() === "/" || this.peek() === "#" || this.peek() === "%") func += this.source[this.at++];
      const pattern = this.argument((c) => c !== "/", true);
      if (this.peek() !== "/") this.fail("bad substitution");
      while (this.peek() === "/") this.at++;
      if (this.peek() === "}") {
        this.at++;
        return { param, func, args: [pattern] };
      }
      const replacement = this.argument((c) => c !== "}", true);
      this.closing();
      return { param, func, args: [pattern, replacement] };
    }
    if (next === "#" || next === "%") {
      let func = "";
      while (func.length < 2 && this.peek() === next) func += this.source[this.at++];
      const pattern = this.argument((c) => c !== "}", false);
      this.closing();
      return { param, func, args: [pattern] };
    }
    this.closing("missing closing brace");
    return { param, func: "", args: [] };
  }

  private identifier(): string {
    const start = this.at;
    while (this.at < this.source.length && IDENT.test(this.source[this.at]!)) this.at++;
    return this.source.slice(start, this.at);
  }

  /** `${VAR:=default}` and the like: the default is text and expressions up to the closing brace. */
  private defaults(param: string, func: string, length: number): Node {
    this.at += length;
    const args: Node[][] = [];
    while (this.peek() !== "}") {
      if (this.at >= this.source.length) this.fail("unable to parse substitution within function");
      args.push(this.argument((c) => c !== "}", false));
    }
    this.at++;
    return { param, func, args };
  }

  /** `${VAR:offset}` or `${VAR:offset:length}`. */
  private substring(param: string): Node {
    this.at++; // the colon
    const offset = this.argument((c) => c !== ":" && c !== "}", false);
    if (this.peek() === "}") {
      this.at++;
      return { param, func: ":", args: [offset] };
    }
    if (this.peek() !== ":") this.fail("bad substitution");
    while (this.peek() === ":") this.at++;
    const length = this.argument((c) => c !== "}", false);
    this.closing();
    return { param, func: ":", args: [offset, length] };
  }

  /**
   * One argument: a nested `${...}`, or text up to a character `accepts` refuses or the next `${`. With `escapes`
   * (a replacement's pattern and string only, as in the fork), `$$` is `$` and `\/`, `\\` are `/`, `\`. Empty text is
   * an error, as in the fork.
   */
  private argument(accepts: (c: string) => boolean, escapes: boolean): Node[] {
    if (this.peek() === "$" && this.peek(1) === "{") {
      this.at += 2;
      return [this.parseFunction()];
    }
    let text = "";
    while (this.at < this.source.length) {
      const c = this.source[this.at]!;
      if (c === "$" && this.peek(1) === "{") break;
      if (escapes && c === "$" && this.peek(1) === "$") {
        text += "$";
        this.at += 2;
        continue;
      }
      if (escapes && c === "\\" && (this.peek(1) === "/" || this.peek(1) === "\\")) {
        text += this.source[this.at + 1];
        this.at += 2;
        continue;
      }
      if (!accepts(c)) break;
      text += c;
      this.at++;
    }
    if (text === "") this.fail("unable to parse substitution within function");
    return [{ text }];
  }
}
