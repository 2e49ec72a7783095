// Which URLs the Corral window may show (pure, so it is tested without Electron): only the
// appliance's own API/GUI origin. Everything else opens in the user's browser or nowhere.

/** True when `candidate` is on exactly the appliance's origin (scheme, host and port). */
export function isInternalUrl(candidate: string, applianceBase: string): boolean {
  let url: URL;
  let base: URL;
  try {
    url = new URL(candidate);
    base = new URL(applianceBase);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (url.username || url.password) return false;
  return url.origin === base.origin;
}

/** URLs we hand to the system browser: plain http(s) only (no file:, javascript:, custom schemes). */
export function isExternalOpenable(candidate: string): boolean {
  try {
    const url = new URL(candidate);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password;
  } catch {
    return false;
  }
}
