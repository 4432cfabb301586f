/** `--engine kubeconform`: runs a kubeconform binary and folds its JSON report into this tool's results. */
export { findKubeconform, kubeconformArgs, runKubeconform, type KubeconformRun } from "./run.js";
export { foldKubeconformOutput, parseKubeconformOutput, type KubeconformOutput, type KubeconformResource } from "./fold.js";
