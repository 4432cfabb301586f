import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Every regular file below `dir` (absolute paths), .git included: for greps over everything a command wrote. */
export function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const stats = statSync(path, { throwIfNoEntry: false });
    return stats?.isDirectory() ? allFiles(path) : stats?.isFile() ? [path] : [];
  });
}
