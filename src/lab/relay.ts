// A byte relay: each connection accepted is piped both ways to a fresh connection made by
// `dial`. The lab uses two hops to give the host its API: host TCP port -> <dir>/api.sock (a
// unix socket reachable from both namespaces) -> the appliance's loopback port in the namespace.
import { createServer, type Server, type Socket } from 'node:net';

export function relayServer(dial: () => Socket): Server {
  return createServer((a) => {
    const b = dial();
    a.pipe(b).pipe(a);
    a.on('error', () => b.destroy());
    b.on('error', () => a.destroy());
  });
}
