// JavaScript the CLI loads through V8's code cache (src/code-cache.ts) is kept to ASCII. Why: Node reads a file with
// one non-ASCII character (an em dash in a comment esbuild kept, a degree sign in a template's text) into a
// two-byte string, which is twice the memory, slower to decode and to scan, and is converted back to UTF-8 to be
// hashed for its cache entry: about 3x the cost of reading and hashing the same file in ASCII.
import { transformSync } from "esbuild";

/**
 * `code` with every non-ASCII UTF-16 unit written as a `\uXXXX` escape, which means the same in a string, a template,
 * a regular expression or an identifier, and is only text in a comment. Checked: esbuild prints both alike once
 * minified (comments dropped, literals in one canonical form), or this throws.
 */
export function asciiOnly(code, name) {
  const escaped = code.replace(/[^\x00-\x7f]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (escaped === code) return code;
  const canonical = (text) => transformSync(text, { minify: true, charset: "ascii", format: "cjs", platform: "node", target: "node20", logLevel: "silent" }).code;
  if (canonical(escaped) !== canonical(code)) throw new Error(`${name}: escaping its non-ASCII characters would change its meaning`);
  return escaped;
}
