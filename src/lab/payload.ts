// The lab's installer payload, built once from Debian packages: the kernel of linux-image-amd64
// (its .deb downloaded with apt-get, extracted, never installed) and a small initramfs of
// busybox-static. The initramfs brings up the NIC the machine booted from, fetches the host's
// unattended file from Corral (corral.config=URL on the kernel command line), runs it (the
// lab's "installer": writes the disk, calls the checkpoints), then powers the machine off.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootSector } from './bootsector.js';

/** Modules the initramfs loads, in dependency order: the NICs (e1000, virtio) and the virtio disk. */
const MODULES = ['virtio_ring', 'virtio', 'virtio_pci_modern_dev', 'virtio_pci_legacy_dev', 'virtio_pci', 'virtio_blk', 'failover', 'net_failover', 'virtio_net', 'e1000'];
const APPLETS = ['sh', 'mount', 'insmod', 'ip', 'udhcpc', 'wget', 'cat', 'sleep', 'poweroff', 'echo', 'ls', 'cut', 'grep',
  'sed', 'tr', 'dd', 'wc', 'date', 'timeout', 'mkdir', 'printf', 'head', 'hexdump', 'sync', 'uname'];
/** Bumped when the initramfs contents change, so a cached build is rebuilt. */
const PAYLOAD_VERSION = '3';

export interface Payload {
  dir: string;
  kernel: string;
  initrd: string;
}

export class PayloadError extends Error {}

function staticBusybox(): string | undefined {
  for (const b of ['/bin/busybox', '/usr/bin/busybox']) {
    if (!existsSync(b)) continue;
    const ldd = spawnSync('ldd', [b], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    if (`${ldd.stdout}${ldd.stderr}`.includes('not a dynamic executable')) return b;
  }
  return undefined;
}

/** What building the payload needs that this machine lacks (undefined: nothing). */
export function payloadMissing(): string | undefined {
  if (!staticBusybox()) return 'a static busybox (apt-get install busybox-static)';
  for (const c of ['cpio', 'gzip', 'dpkg-deb', 'apt-get', 'apt-cache', 'tar']) {
    if (spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0) return `the ${c} command`;
  }
  return undefined;
}

/** Builds (or reuses) the payload in `<cacheDir>/payload`. */
export function buildPayload(cacheDir: string, log: (m: string) => void = () => {}): Payload {
  const dir = join(cacheDir, 'payload');
  const p: Payload = { dir, kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img') };
  const stamp = join(dir, `built-v${PAYLOAD_VERSION}`);
  if (existsSync(stamp) && existsSync(p.kernel) && existsSync(p.initrd)) return p;
  const missing = payloadMissing();
  if (missing) throw new PayloadError(`building the lab payload needs ${missing}`);
  mkdirSync(dir, { recursive: true });
  const kernelTree = kernelFromDebian(join(cacheDir, 'deb'), log);
  const vmlinuz = readdirSync(join(kernelTree, 'boot')).find((f) => f.startsWith('vmlinuz-'));
  if (!vmlinuz) throw new PayloadError(`no kernel image in ${kernelTree}/boot`);
  copyFileSync(join(kernelTree, 'boot', vmlinuz), p.kernel);
  buildInitramfs(kernelTree, p.initrd);
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  log(`lab payload built: ${statSize(p.kernel)} kernel, ${statSize(p.initrd)} initramfs`);
  return p;
}

function statSize(f: string): string {
  return `${(statSync(f).size / 1048576).toFixed(1)} MiB`;
}

function kernelFromDebian(debDir: string, log: (m: string) => void): string {
  mkdirSync(debDir, { recursive: true });
  const deps = spawnSync('apt-cache', ['depends', 'linux-image-amd64'], { encoding: 'utf8' });
  const pkg = /Depends: (linux-image-\d\S*)/.exec(deps.stdout)?.[1];
  if (!pkg) throw new PayloadError('cannot resolve linux-image-amd64 (run apt-get update)');
  const tree = join(debDir, `tree-${pkg}`);
  if (existsSync(join(tree, 'boot'))) return tree;
  let deb = readdirSync(debDir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (!deb) {
    log(`downloading ${pkg} (the kernel; not installed)`);
    const dl = spawnSync('apt-get', ['download', pkg], { cwd: debDir, encoding: 'utf8', timeout: 600_000 });
    deb = readdirSync(debDir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
    if (dl.status !== 0 || !deb) throw new PayloadError(`apt-get download ${pkg} failed: ${dl.stderr.trim().split('\n').pop()}`);
  }
  // Only the kernel and a few modules: the whole tree is ~400 MB.
  const tmp = `${tree}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const patterns = ['./boot/vmlinuz-*', ...MODULES.flatMap((m) => [`*/${m}.ko`, `*/${m}.ko.xz`])];
  spawnSync('sh', ['-c', `dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" --wildcards ${patterns.map((x) => `'${x}'`).join(' ')}`, 'sh', join(debDir, deb), tmp]);
  if (!existsSync(join(tmp, 'boot'))) throw new PayloadError(`no kernel image found in ${deb}`);
  rmSync(tree, { recursive: true, force: true });
  execFileSync('mv', [tmp, tree]);
  return tree;
}

function findModule(tree: string, name: string): string | undefined {
  const out = spawnSync('find', [join(tree, 'lib'), '(', '-name', `${name}.ko`, '-o', '-name', `${name}.ko.xz`, ')'], { encoding: 'utf8' });
  return out.stdout.split('\n').find(Boolean);
}

function buildInitramfs(tree: string, out: string): void {
  const root = mkdtempSync(join(tmpdir(), 'corral-initramfs-'));
  try {
    for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'lib/modules', 'lib/corral']) mkdirSync(join(root, d), { recursive: true });
    copyFileSync(staticBusybox()!, join(root, 'bin/busybox'));
    for (const a of APPLETS) symlinkSync('busybox', join(root, 'bin', a));
    const order: string[] = [];
    for (const m of MODULES) {
      const f = findModule(tree, m);
      if (!f) continue; // built into this kernel
      const dest = join(root, 'lib/modules', `${m}.ko`);
      if (f.endsWith('.xz')) execFileSync('sh', ['-c', 'xz -dc "$1" > "$2"', 'sh', f, dest]);
      else copyFileSync(f, dest);
      order.push(`${m}.ko`);
    }
    writeFileSync(join(root, 'lib/modules/load.order'), `${order.join('\n')}\n`);
    writeFileSync(join(root, 'lib/corral/bootsector.bin'), bootSector());
    writeFileSync(join(root, 'etc/udhcpc.sh'), UDHCPC_HOOK);
    writeFileSync(join(root, 'init'), INIT);
    chmodSync(join(root, 'etc/udhcpc.sh'), 0o755);
    chmodSync(join(root, 'init'), 0o755);
    execFileSync('sh', ['-c', 'cd "$1" && find . | cpio -o -H newc --quiet | gzip -9 > "$2"', 'sh', root, out]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** udhcpc's hook: configure the lease (busybox passes it in the environment). */
const UDHCPC_HOOK = `#!/bin/sh
case "$1" in
  deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/\${mask:-24}" dev "$interface"
    [ -n "$router" ] && ip route replace default via "\${router%% *}" dev "$interface"
    echo "$ip" > /tmp/ip ;;
esac
exit 0
`;

/**
 * The initramfs's init. Every loop is bounded; whatever happens the machine powers off at the
 * end, so a broken install shows as a missing checkpoint rather than a hung VM.
 */
const INIT = `#!/bin/sh
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
echo "CORRAL-LAB: installer started (kernel $(uname -r))"
CONFIG=""; MAC=""
for p in $(cat /proc/cmdline); do
  case "$p" in
    corral.config=*) CONFIG="\${p#corral.config=}" ;;
    corral.mac=*) MAC="\${p#corral.mac=}" ;;
  esac
done
for m in $(cat /lib/modules/load.order); do insmod "/lib/modules/$m" 2>/dev/null; done
IF=""; i=0
while [ -z "$IF" ] && [ $i -lt 50 ]; do
  for d in /sys/class/net/*; do
    n="\${d##*/}"; [ "$n" = lo ] && continue
    if [ -z "$MAC" ] || [ "$(cat "$d/address")" = "$MAC" ]; then IF="$n"; MAC="$(cat "$d/address")"; break; fi
  done
  [ -z "$IF" ] && sleep 0.1; i=$((i+1))
done
DISK=""; i=0
while [ -z "$DISK" ] && [ $i -lt 30 ]; do          # the disk appears shortly after its driver loads
  for d in vda sda; do [ -b "/dev/$d" ] && { DISK="/dev/$d"; break; }; done
  [ -z "$DISK" ] && sleep 0.1; i=$((i+1))
done
echo "CORRAL-LAB: nic=$IF mac=$MAC disk=$DISK"
ip link set lo up; ip link set "$IF" up
if udhcpc -i "$IF" -f -q -n -t 8 -T 2 -s /etc/udhcpc.sh >/dev/null 2>&1; then
  IP="$(cat /tmp/ip)"; echo "CORRAL-LAB: dhcp ip=$IP"
  n=0; ok=""
  while [ $n -lt 5 ] && [ -n "$CONFIG" ]; do
    # busybox-static's "wget -T" is unreliable: bound the fetch with timeout(1).
    if timeout 20 wget -q -O /tmp/install.sh "$CONFIG"; then ok=1; break; fi
    n=$((n+1)); sleep 1
  done
  if [ -n "$ok" ]; then
    echo "CORRAL-LAB: unattended file fetched ($(wc -c < /tmp/install.sh 2>/dev/null || echo ?) bytes), running it"
    MAC="$MAC" IP="$IP" DISK="$DISK" BOOTSECTOR=/lib/corral/bootsector.bin sh /tmp/install.sh
    echo "CORRAL-LAB: installer exited with $?"
  else
    echo "CORRAL-LAB: could not fetch the unattended file from $CONFIG"
  fi
else
  echo "CORRAL-LAB: no DHCP lease on $IF"
fi
sync
echo "CORRAL-LAB: powering off"
poweroff -f
`;
