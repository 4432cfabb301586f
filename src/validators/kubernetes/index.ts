/**
 * Kubernetes manifest validation with kubeconform's verdicts, offline: schemas are embedded (generated from npm
 * packages by scripts/build-schemas.mjs) or read from kubeconform-style schema locations.
 */
export { createKubernetesValidator, type KubernetesValidator, type KubernetesValidatorOptions } from "./validator.js";
export { validateFilesParallel, validateFileStream, type FileOutcome, type ParallelOptions, type StreamOptions } from "./parallel.js";
export { embeddedKubernetesVersion, embeddedSources } from "./embedded.js";
