// Scheduling priority of the calling thread (Linux). On Linux, setpriority(2) with a thread id
// changes that thread alone (a documented deviation from POSIX; see setpriority(2) "BUGS"), and
// /proc/thread-self names the calling thread's id. The appliance uses it so the boot services win
// the CPU on a small box: the DHCP worker asks for a higher priority (needs CAP_SYS_NICE; refused
// silently otherwise), background work (the SoT load) takes a lower one (always allowed).
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Sets the calling thread's nice value; false where the OS or the privileges do not allow it. */
export function setThreadNice(nice: number): boolean {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
