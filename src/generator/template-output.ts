/** What a template becomes in the tree: its output path, and its text without the blank lines of template logic. */

/** `_gitignore` -> `.gitignore`, `_github/` -> `.github/`, and `.hbs` dropped: publish-safe names in templates/. */
export function outputPathOf(templatePath: string): string {
  return templatePath
    .replace(/\.hbs$/, "")
    .split("/")
    .map((segment) => (segment.startsWith("_") ? `.${segment.slice(1)}` : segment))
    .join("/");
}

/** Trailing spaces and runs of blank lines come from template logic, not from the data: drop them. */
export function tidy(content: string): string {
  return `${content
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim()}\n`;
}
