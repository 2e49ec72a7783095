// corral: validate | render | serve | version. Usage errors exit 2, SoT problems exit 1.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isApplianceError } from './model/index.js';
import { loadSot } from './sot/load.js';
import { checkRenders } from './sot/templates.js';
import { bootPosition, renderIpxe, renderUnattended, workflowOf } from './render/render.js';
import { siteBaseUrl } from './render/context.js';
import { corralVersion, startAppliance } from './appliance.js';
import { createLogger } from './lib/log.js';
import { parseMac } from './lib/mac.js';
import { isConfigError, serveConfigFromArgs } from './config/index.js';
import { ClientUsageError, cmdHosts, cmdPower, cmdProvision } from './cli-client.js';
import { cmdUser } from './cli-user.js';
import { cmdSot, formatProblem } from './cli-sot.js';
import { cmdLab, LAB_USAGE } from './lab/cli.js';

const USAGE = `Usage:
  corral validate <sot-dir> [--no-render] [--strict]
  corral render <sot-dir> --host <name> [--kind ipxe|unattended] [--boot <n|id>] [--base-url <url>] [--mac <mac>]
  corral sot convert <sot-dir> <out-dir>   (an older Vaquero SoT format -> the current one, in a new folder)
  corral serve --sot <dir> --data <dir> [--listen host:port] [--api-name <name> ...] [--token-ttl <days>] [--console-dir <dir>]
               [--log-level debug|info|warn|error] [--log-format json|pretty] [--no-watch]
               [--interface <nic> | --address <ip>] [--http-port 8080] [--boot-url <url>] [--assets <dir>] [--tftp-root <dir>]
               [--dhcp-mode server|proxy] [--dhcp-port 67] [--dhcp-client-port 68] [--proxy-port 4011] [--tftp-port 69]
               [--no-dhcp] [--no-tftp] [--no-boot-http]
               [--storm-limit 50] [--bmc-concurrency 16] [--max-attempts 3] [--stage-timeout <stage>=<seconds> ...]
               [--history-days 180] [--history-size 2G] [--asset-server builtin|nginx|auto] [--tftp-workers N]
  corral user add <name> --role admin|user [--password-file <file>] [--data <dir>]
  corral user list [--data <dir>]
  corral user rm <name> [--data <dir>]
  corral power <host> <on|off|soft|cycle|reset|status> [--api http://127.0.0.1:8080] [--data <dir>]
  corral provision <host> [--api <url>] [--data <dir>]
  corral hosts [--api <url>] [--data <dir>]
  (API commands authenticate with $CORRAL_TOKEN, else the admin token in <data>/admin.token;
   --data defaults to $CORRAL_DATA or ./data)
${LAB_USAGE}
  corral version`;

class UsageError extends Error {}

type Out = { out: (s: string) => void; err: (s: string) => void };
const stdio: Out = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function cmdValidate(args: string[], io: Out): Promise<number> {
  const { values, positionals } = parse(args, { 'no-render': { type: 'boolean' }, strict: { type: 'boolean' } });
  const dir = positionals[0];
  if (!dir || positionals.length > 1) throw new UsageError('validate takes one SoT folder');
  const res = await loadSot(dir);
  const problems = [...res.problems];
  if (res.ok && !values['no-render']) {
    for (const site of res.sot.sites) {
      const sub = { ...res.sot, hosts: res.sot.hosts.filter((h) => h.siteId === site.id) };
      problems.push(...checkRenders(sub, { base: siteBaseUrl(site) ?? 'http://127.0.0.1:8080' }));
    }
  }
  const errors = problems.filter((p) => p.severity === 'error');
  for (const p of errors) io.out(formatProblem(dir, p));
  for (const p of problems.filter((x) => x.severity === 'warning')) io.err(formatProblem(dir, p));
  const s = res.sot;
  io.err(
    `${errors.length === 0 ? 'ok' : 'invalid'}: ${s.sites.length} sites, ${s.clusters.length} clusters, ${s.hosts.length} hosts, ` +
      `${s.workflows.length} workflows, ${s.roles.length} roles, ${s.pools.length} pools; ${errors.length} errors, ${problems.length - errors.length} warnings (revision ${s.revision})\n`,
  );
  // --strict (CI pipelines): warnings fail too.
  const failing = values.strict ? problems.length : errors.length;
  return failing === 0 ? 0 : 1;
}

async function cmdRender(args: string[], io: Out): Promise<number> {
  const { values, positionals } = parse(args, {
    host: { type: 'string' },
    kind: { type: 'string', default: 'ipxe' },
    boot: { type: 'string' },
    'base-url': { type: 'string' },
    mac: { type: 'string' },
  });
  const dir = positionals[0];
  if (!dir || positionals.length > 1) throw new UsageError('render takes one SoT folder');
  if (!values.host) throw new UsageError('render needs --host <name>');
  if (values.kind !== 'ipxe' && values.kind !== 'unattended') throw new UsageError('--kind must be ipxe or unattended');
  const res = await loadSot(dir);
  if (!res.ok) {
    for (const p of res.problems.filter((x) => x.severity === 'error')) io.err(formatProblem(dir, p));
    return 1;
  }
  const sot = res.sot;
  const host = sot.hosts.find((h) => h.name === values.host);
  if (!host) {
    io.err(`corral: host "${values.host}" is not in the SoT\n`);
    return 1;
  }
  const workflow = workflowOf(sot, host);
  let bootIndex = 0;
  if (values.boot !== undefined) {
    const at = workflow && bootPosition(workflow, values.boot);
    if (at === undefined) {
      io.err(`corral: boot "${values.boot}" is not in host "${host.name}"'s workflow\n`);
      return 1;
    }
    bootIndex = at;
  }
  let iface;
  if (values.mac) {
    const mac = parseMac(values.mac);
    iface = host.interfaces.find((i) => i.mac === mac);
    if (!iface) throw new UsageError(`--mac ${values.mac} is not an interface of host ${host.name}`);
  }
  const site = sot.sites.find((s) => s.id === host.siteId)!;
  const urls = { base: (values['base-url'] ?? siteBaseUrl(site) ?? 'http://127.0.0.1:8080').replace(/\/+$/, '') };
  const target = { host, ...(workflow && { workflow }), bootIndex, ...(iface && { iface }) };
  try {
    const text = values.kind === 'ipxe' ? renderIpxe(sot, target, urls) : renderUnattended(sot, target, urls).text;
    io.out(text.endsWith('\n') ? text : text + '\n');
    return 0;
  } catch (e) {
    io.err(`corral: ${isApplianceError(e) || e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

export { parseListen, bootConfig } from './config/index.js';

async function cmdServe(args: string[], io: Out): Promise<number> {
  // Flags -> configuration lives in src/config (shared with the desktop app); a bad value is a
  // ConfigError, reported below as a usage error.
  const { appliance: config, log: logSettings } = serveConfigFromArgs(args, { terminal: process.stderr.isTTY });
  const log = createLogger({ level: logSettings.level, pretty: logSettings.format === 'pretty' });
  const app = await startAppliance(config, { log });
  io.err(`corral ${corralVersion()} serving ${config.sotDir} on http://${app.apiAddress.host}:${app.apiAddress.port}/v1\n`);
  await new Promise<void>((resolve) => {
    const onSignal = (sig: string) => {
      log.info('stopping', { signal: sig });
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  await app.stop();
  return 0;
}

export async function main(argv: string[], io: Out = stdio): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'validate':
        return await cmdValidate(rest, io);
      case 'render':
        return await cmdRender(rest, io);
      case 'serve':
        return await cmdServe(rest, io);
      case 'power':
        return await cmdPower(rest, io);
      case 'provision':
        return await cmdProvision(rest, io);
      case 'hosts':
        return await cmdHosts(rest, io);
      case 'user':
        return await cmdUser(rest, io);
      case 'sot':
        return await cmdSot(rest, io);
      case 'lab':
        return await cmdLab(rest, io);
      case 'version':
      case '--version':
        io.out(`${corralVersion()}\n`);
        return 0;
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE + '\n');
        return 0;
      default:
        throw new UsageError(cmd ? `unknown command "${cmd}"` : 'no command given');
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof ClientUsageError || isConfigError(e) || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`corral: ${(e as Error).message}\n${USAGE}\n`);
      return 2;
    }
    io.err(`corral: ${(e as Error).message}\n`);
    return 1;
  }
}
