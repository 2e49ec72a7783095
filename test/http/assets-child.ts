// A Corral stand-in for the supervisor test: boot HTTP with nginx in front on the port given,
// printing "ready <nginx pid> <its temp folders as JSON>" once up; the test then kills this process with SIGKILL.
import { startWorld } from './assets-world.js';

const w = await startWorld('nginx', { flag: true, port: Number(process.argv[2]) });
const stats = w.services.status().http.stats as { assets: { nginxPid?: number } };
process.stdout.write(`ready ${stats.assets.nginxPid} ${JSON.stringify(w.dirs)}\n`);
setInterval(() => {}, 60_000);
