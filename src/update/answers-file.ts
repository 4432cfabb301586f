/**
 * Reading a repository's answers file from its work tree. Its own module so that what only needs the answers (the
 * fleet's member list, which `validate` reads to group its report) does not load the update pipeline.
 */
import { join } from "node:path";
import { defaults } from "../defaults.js";
import { InputError } from "../errors.js";
import { parseAnswersFile, type Answers } from "../generator/answers.js";
import { answersPathOf } from "../fleet/layout.js";
import { InputFileError, readInputFile } from "../read-input.js";

/** The answers file of the cluster at `root` ("" for the repository's first cluster). */
export function readAnswers(dir: string, root = ""): Answers {
  const file = join(dir, answersPathOf(root));
  let text: string;
  try {
    // The repository's own file, never one a committed symlink leads to (in the clone or outside it).
    text = readInputFile(file, { noFollow: true });
  } catch (error) {
    if (error instanceof InputFileError && error.reason !== "missing") throw new InputError(`${error.message}; restore it from git history`);
    throw new InputError(`${file} not found: ${dir} is not a repository made by ${defaults.toolName} (run it in the repository's root, or create one first)`);
  }
  return parseAnswersFile(text, file);
}
