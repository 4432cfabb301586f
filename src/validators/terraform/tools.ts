/**
 * The two WebAssembly Terraform tools behind one small interface, so that callers (render, validateTree) need not
 * know where they run: in this thread (the default), or in a worker thread that `create` starts first so that their
 * start-up overlaps the rest of the pipeline (see tools-worker.ts).
 */
import type { UnitResult } from "../types.js";
import { formatHcl } from "./format.js";
import { validateTerraform, type TerraformFile, type TerraformValidationOptions } from "./index.js";

export interface TerraformTools {
  /** hclwrite's layout of one file (@cdktf/hcl-tools `format`); rejects on invalid HCL. */
  format(source: string): Promise<string>;
  /** {@link validateTerraform}: the same results, in the same order. */
  validate(files: TerraformFile[], options?: TerraformValidationOptions): Promise<UnitResult[]>;
}

/** Both tools in the calling thread; each wasm module starts on its first use. */
export const inThreadTerraformTools: TerraformTools = {
  format: formatHcl,
  validate: validateTerraform,
};
