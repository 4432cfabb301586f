/** A URL's host as messages show it (`host:port`), for https, ssh and scp-like (`git@host:owner/repo`) URLs. */
export function hostOf(url: string): string {
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)/.exec(url);
  if (scp && !hasScheme(url)) return scp[1]!;
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

/** `scheme://...`, as opposed to an scp-like `host:path`. */
export function hasScheme(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url);
}

/** A URL with any `user:password@` replaced, for messages. */
export function withoutCredentials(url: string): string {
  return url.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, "$1***@");
}
