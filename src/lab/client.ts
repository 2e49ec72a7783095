// HTTP over a lab's unix sockets (its control socket, its API socket): what `corral lab status`,
// the end-to-end tests and the boot bench use to act on a running lab from outside it.
import { request } from 'node:http';

export function unixRequest(socketPath: string, method: 'GET' | 'POST', path: string, body = '', timeoutMs = 60_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method, headers: { host: '127.0.0.1' }, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`${path}: no answer within ${timeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** A control-socket call that must succeed (200); its body. */
export async function labControl(socketPath: string, method: 'GET' | 'POST', path: string, body = ''): Promise<string> {
  const r = await unixRequest(socketPath, method, path, body);
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.body}`);
  return r.body;
}
