// The lab supervisor: the one host-side process of a running lab. It creates the lab's network
// namespace (as root with ip netns; otherwise an unprivileged user namespace with unshare), runs
// the lab daemon inside it, forwards the host's API port into the namespace, and on SIGTERM (or
// when the daemon dies) tears everything down. `corral lab down` signals it.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { relayServer } from './relay.js';
import { join } from 'node:path';
import { deleteNamespace, namespaceExists } from './net.js';
import type { LabSpec } from './spec.js';
import { labPaths, readStatus, writeStatus } from './state.js';

export async function runLabSupervisor(dir: string): Promise<void> {
  const spec = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8')) as LabSpec;
  const paths = labPaths(dir);
  writeFileSync(paths.supervisor, `${process.pid}\n`);
  const [cmd, ...pre] = spec.corral;
  const daemonArgs = [...pre, 'lab', 'daemon', '--dir', dir];
  let daemon: ChildProcess;
  const out = openSync(paths.log, 'a');
  if (spec.privilege === 'root') {
    if (namespaceExists(spec.name)) throw new Error(`network namespace ${spec.name} already exists`);
    const add = spawn('ip', ['netns', 'add', spec.name], { stdio: 'ignore' });
    await new Promise((r) => add.once('exit', r));
    daemon = spawn('ip', ['netns', 'exec', spec.name, cmd!, ...daemonArgs], { stdio: ['ignore', out, out] });
  } else {
    // --kill-child: the daemon (and so the namespace) dies with unshare.
    daemon = spawn('unshare', ['--user', '--map-root-user', '--net', '--kill-child', '--', cmd!, ...daemonArgs], { stdio: ['ignore', out, out] });
  }
  closeSync(out);

  // Host port -> <dir>/api.sock -> the appliance's API inside the namespace.
  const forward = relayServer(() => connect(paths.apiSocket));
  forward.on('error', (e) => {
    writeStatus(dir, { phase: 'failed', message: `cannot listen on ${spec.api.host}:${spec.api.port}: ${e.message}`, pid: process.pid });
    daemon.kill('SIGTERM');
  });
  forward.listen(spec.api.port, spec.api.host);

  let stopping = false;
  const finish = async () => {
    forward.close();
    if (spec.privilege === 'root') {
      deleteNamespace(`${spec.name}-site`);
      deleteNamespace(spec.name);
    }
    process.exit(0);
  };
  daemon.once('exit', (code, signal) => {
    if (!stopping && readStatus(dir)?.phase !== 'failed') writeStatus(dir, { phase: 'failed', message: `lab daemon exited (${signal ?? code}); see ${paths.log}`, pid: process.pid });
    void finish();
  });
  const stop = () => {
    if (stopping) return;
    stopping = true;
    daemon.kill('SIGTERM');
    // The daemon powers machines off and stops Corral; past 40 s it is killed.
    setTimeout(() => daemon.kill('SIGKILL'), 40_000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
