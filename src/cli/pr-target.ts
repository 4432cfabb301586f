/**
 * What `--pr` needs, for every command that proposes a change (update, add-cluster, remove-cluster, promote): the
 * forge (from the flags or the remote), its API URL from the flags, the token from the environment, the network
 * timeout. The publishing code loads only when a pull request is asked for.
 */
import type { ConnectOptions } from "../publish.js";
import { networkTimeoutMs } from "../network.js";
import type { PullRequestTarget } from "../fleet/propose.js";
import type { CliIo } from "./io.js";

interface PrFlags {
  "gitlab-url"?: string;
  "github-api-url"?: string;
  "network-timeout"?: string;
}

export async function pullRequestTarget(kind: NonNullable<ConnectOptions["kind"]>, dir: string, flags: PrFlags, io: CliIo): Promise<PullRequestTarget> {
  const { connectForge, pullRequestPublisher } = await import("../publish.js");
  const apiUrl = kind === "gitlab" ? flags["gitlab-url"] : flags["github-api-url"];
  return pullRequestPublisher(connectForge({ kind, apiUrl, timeoutMs: networkTimeoutMs(flags["network-timeout"], io.env), env: io.env }), dir);
}
