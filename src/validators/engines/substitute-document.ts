/**
 * A YAML document as kustomize-controller hands it to the API server after post-build substitution: Flux substitutes
 * in the YAML text of each object, so a plain scalar `${REPLICAS:=1}` becomes the number 1 while a quoted
 * `"${REPLICAS}"` stays a string. The document is read with its scalar styles (the `yaml` library), each string
 * holding a variable is substituted, a plain one is read again as YAML, and the data is returned; comments are not
 * text Flux substitutes (kustomize drops them before), and positions are those of the file, so lines stay right.
 * A value that depends on a variable only the cluster knows is kept as written, for the validator to leave unchecked.
 */
import { isScalar, parseAllDocuments, Scalar, visit, type Document } from "yaml";
import { loadYamlStream } from "../../yaml/load.js";
import { substitute, SubstitutionError, type Lookup } from "./envsubst.js";

/** The documents of a file with their offsets, read once for every substitution of the file. */
export class SubstitutableFile {
  private readonly documents: Document.Parsed[];

  constructor(text: string) {
    const parsed = parseAllDocuments(text, { merge: true, uniqueKeys: false, keepSourceTokens: false });
    this.documents = Array.isArray(parsed) ? (parsed as Document.Parsed[]) : [];
  }

  /**
   * The data of the document whose content starts at `start` (an offset the validator's reading gives), with
   * variables substituted; undefined when no document of this reading holds that offset or its data cannot be built.
   */
  substituted(start: number, lookup: Lookup): unknown {
    const document = this.documents.find((candidate) => candidate.range[0] <= start && start < Math.max(candidate.range[2], candidate.range[0] + 1));
    if (!document || document.errors.length > 0) return undefined;
    const copy = document.clone();
    visit(copy, {
      Pair(_key, pair) {
        if (isScalar(pair.key) && typeof pair.key.value === "string") pair.key = new Scalar(substituteText(pair.key.value, lookup));
      },
      Scalar(_key, node) {
        if (typeof node.value !== "string" || !node.value.includes("${")) return undefined;
        const text = substituteText(node.value, lookup);
        if (text === node.value) return undefined;
        return node.type === "PLAIN" ? new Scalar(readPlain(text)) : new Scalar(text);
      },
    });
    try {
      return copy.toJS({ maxAliasCount: -1 });
    } catch {
      return undefined;
    }
  }
}

/** The substituted text, or the text as written when it depends on an unknown variable or Flux cannot parse it. */
function substituteText(text: string, lookup: Lookup): string {
  if (!text.includes("${")) return text;
  try {
    const result = substitute(text, lookup);
    return "text" in result ? result.text : text;
  } catch (error) {
    if (error instanceof SubstitutionError) return text;
    throw error;
  }
}

/**
 * A plain scalar's substituted text as YAML reads it (`3` a number, `true` a boolean, empty null), as Flux's YAML to
 * JSON conversion does; a flow collection (`[a, b]`) becomes one. Text YAML cannot read stays text.
 */
function readPlain(text: string): unknown {
  if (text.trim() === "") return null;
  const [document] = loadYamlStream(text, { schema: "kubernetes", uniqueKeys: false });
  if (!document || document.failure) return text;
  const value = document.data;
  // `a: b` in a plain scalar would break Flux's YAML; only a flow collection makes a collection.
  if (typeof value === "object" && value !== null && !/^\s*[[{]/.test(text)) return text;
  return value;
}
