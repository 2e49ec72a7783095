// Why the core did not start, in words for a dialog (pure). The raw message stays as detail:
// the operator may need it for a bug report.

export interface StartFailure {
  title: string;
  message: string;
  detail: string;
}

export function explainStartError(e: unknown, where: { base?: string; settingsFile?: string } = {}): StartFailure {
  const err = e as (Error & { code?: string; name?: string }) | undefined;
  const raw = err instanceof Error ? err.message : String(e);
  const detail = err instanceof Error && err.stack ? err.stack : raw;
  const title = 'Corral could not start';
  if (err?.name === 'ConfigError') {
    return { title, message: `A setting is wrong: ${raw}${where.settingsFile ? `\n\nSettings file: ${where.settingsFile}` : ''}`, detail };
  }
  switch (err?.code) {
    case 'EADDRINUSE':
      return { title, message: `The API address ${where.base ?? ''} is already in use by another program. Choose another "listen" address in the settings.`, detail };
    case 'EACCES':
    case 'EPERM':
      return {
        title,
        message:
          'Permission denied. Ports below 1024 (DHCP 67, TFTP 69) need CAP_NET_BIND_SERVICE and CAP_NET_RAW: install the corral .deb and run the corral service (this app then attaches to it), or turn boot services off in the settings.',
        detail,
      };
    case 'EADDRNOTAVAIL':
      return { title, message: 'The API address is not an address of this machine. Check "listen" in the settings.', detail };
    case 'ENOENT':
      return { title, message: `A folder or file is missing: ${raw}. Check the SoT and data folders in the settings.`, detail };
    default:
      return { title, message: raw, detail };
  }
}
