// The nginx configuration Corral writes when nginx serves the boot assets (`--asset-server
// nginx|auto`, docs/boot.md "How assets are served"). nginx takes the boot HTTP port: /files/ it
// serves from the assets folder with sendfile (no copy through user space, which Node cannot
// avoid); everything else — iPXE scripts, unattended files, checkpoints, /ipxe-bin/ — it passes to
// Corral over a unix socket in a private folder, with the client's address in X-Real-IP.
// Each /files/ request is logged over syslog (UDP, loopback) to Corral, which counts it and
// records a host's kernel fetch as when it serves the file itself (assets-log.ts).

export interface NginxConfigInput {
  address: string;
  port: number;
  /** Folder served under /files/; undefined: /files/ goes to Corral too (which answers 404). */
  assetsDir: string | undefined;
  /** Private run folder: pid file, temp folders, the config itself. */
  runDir: string;
  /** Corral's boot HTTP unix socket. */
  socket: string;
  /** Loopback UDP port of Corral's access-log receiver. */
  logPort: number;
  /** Per-run secret at the head of each log line: datagrams from anyone else are dropped. */
  logToken: string;
  /** Temp-path directives this nginx build knows (client_body, proxy, fastcgi, ...). */
  tempKinds: string[];
  /** `user` for the workers when nginx starts as root: they must reach the 0700 run folder. */
  user?: string;
}

/** A path in nginx syntax: quoted, so spaces and ';' in folder names stay in the value. */
const q = (s: string) => `"${s.replace(/(["\\$])/g, '\\$1')}"`;

export function nginxConfig(c: NginxConfigInput): string {
  const dir = c.assetsDir?.replace(/\/+$/, '');
  const files = dir
    ? `
    # The assets. Same answers as Corral's own server (src/http/static-file.ts): ETag/Last-Modified,
    # 304 (RFC 9110 §13), one Range (206/416; several ranges: the whole file, 200 — max_ranges 1).
    location /files/ {
      alias ${q(dir + '/')};
      # nginx cannot tell a symlink that stays in the folder from one that leaves it (Corral's
      # server can, and follows the first): none is followed.
      disable_symlinks on from=$document_root;
      if ($uri ~ "/$") { return 404; }
      access_log syslog:server=127.0.0.1:${c.logPort},tag=corral,nohostname corral_asset;
    }`
    : '';
  return `# Written by Corral (src/boot/assets-nginx-config.ts) at each start and each change of the
# assets folder; edits are overwritten.
${c.user ? `user ${c.user};\n` : ''}worker_processes 1;
daemon off;
master_process on;
pid ${q(c.runDir + '/nginx.pid')};
error_log stderr warn;
events { worker_connections 8192; }
http {
  default_type application/octet-stream;
  types { }
  sendfile on;
  tcp_nopush on;
  server_tokens off;
  keepalive_timeout 5s;
  keepalive_requests 100000;
  max_ranges 1;
  access_log off;
${c.tempKinds.map((k) => `  ${k}_temp_path ${q(`${c.runDir}/tmp/${k}`)};`).join('\n')}
  log_format corral_asset '${c.logToken} $remote_addr $status $body_bytes_sent $request_method $uri';
  upstream corral {
    server ${q(`unix:${c.socket}`)};
    keepalive 32;
    # Under Corral's own 5 s (assets-server.ts): nginx drops an idle connection before Corral
    # can, so a checkpoint POST (not retried: not idempotent) never meets one being closed.
    keepalive_timeout 4s;
  }
  server {
    listen ${c.address}:${c.port} backlog=4096;
    ${files.trim() ? files.trimStart() : ''}
    location / {
      proxy_pass http://corral;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Real-IP $remote_addr;
      proxy_buffering off;
      proxy_request_buffering off;
      client_max_body_size 1m;
    }
  }
}
`;
}
