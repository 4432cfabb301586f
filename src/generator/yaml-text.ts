// YAML written from values the user gave, so that every YAML 1.2 parser (yaml, js-yaml, Go's yaml used by
// kubectl/kustomize/Flux/Argo CD) reads back exactly that value. The `yaml` library writes strings the other
// parsers reject or change: it leaves DEL, C1 controls, NEL, LS, PS, BOM and U+FFFE/U+FFFF raw inside double
// quotes (js-yaml refuses such a stream; YAML 1.1 parsers take NEL/LS/PS for line breaks), and it writes " \n" as a
// block literal that reads back as "\n". So any string that is not plain printable text on one line is written here
// as a double-quoted scalar in JSON's syntax (a subset of YAML 1.2's) with those characters escaped as well.
import { parse, stringify, type CreateNodeOptions, type DocumentOptions, type SchemaOptions, type ToStringOptions } from "yaml";
import { stringTag } from "yaml/util";

/** Characters YAML parsers disagree on or refuse raw, beyond what JSON.stringify escapes. */
const UNSAFE_RAW = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff]/g;

/** A YAML 1.2 double-quoted scalar on one line, ASCII escapes for every control or ambiguous character. */
export function yamlQuote(text: string): string {
  // JSON.stringify escapes C0 controls, `"`, `\` and lone surrogates; the rest of UNSAFE_RAW is escaped here.
  return JSON.stringify(text).replace(UNSAFE_RAW, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * One line of printable text without leading or trailing white space: left to the library's own styles. Not `<<`:
 * plain, it is the merge key of YAML 1.1, which js-yaml and Go's yaml (kubectl, Flux, Argo CD) still apply.
 */
function isPlainText(text: string): boolean {
  return text !== "" && text !== "<<" && !/[\u0000-\u001f]|^\s|\s$/.test(text) && !new RegExp(UNSAFE_RAW.source).test(text);
}

/** The core schema's string tag, writing anything but plain text with {@link yamlQuote}. */
const safeStringTag: typeof stringTag = {
  ...stringTag,
  stringify(item, ctx, onComment, onChompKeep) {
    const value = String((item as { value: unknown }).value);
    return isPlainText(value) ? stringTag.stringify!(item, ctx, onComment, onChompKeep) : yamlQuote(value);
  },
};

/** Plain text that a YAML 1.1 parser (Go's yaml in kubectl, Flux, Argo CD) reads as something else: `on`, `0777`, `1:30`. */
function readsOtherwiseIn11(text: string): boolean {
  try {
    return parse(text, { version: "1.1" }) !== text;
  } catch {
    return true;
  }
}

/** {@link safeStringTag}, also quoting what YAML 1.1 would read back as a boolean, a number or a merge key. */
const yaml11SafeStringTag: typeof stringTag = {
  ...safeStringTag,
  stringify(item, ctx, onComment, onChompKeep) {
    const value = String((item as { value: unknown }).value);
    return isPlainText(value) && readsOtherwiseIn11(value) ? yamlQuote(value) : safeStringTag.stringify!(item, ctx, onComment, onChompKeep);
  },
};

type Options = DocumentOptions & SchemaOptions & CreateNodeOptions & ToStringOptions & {
  /** Quote plain strings a YAML 1.1 parser would read otherwise (`on`, `yes`, `0777`), for files Kubernetes tools read. */
  yaml11Safe?: boolean;
};

/** `yaml`'s stringify (lines never folded), with free-form strings written so that every parser reads them back. */
export function toYamlText(value: unknown, options: Options = {}): string {
  const { yaml11Safe, ...rest } = options;
  const safe = yaml11Safe ? yaml11SafeStringTag : safeStringTag;
  return stringify(value, {
    lineWidth: 0,
    ...rest,
    customTags: (tags) => tags.map((tag) => (tag === stringTag ? safe : tag)),
  });
}
