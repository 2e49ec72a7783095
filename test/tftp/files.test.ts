import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execFileSync } from 'node:child_process';
import { TftpRequestError } from '../../src/tftp/codec.js';
import { chainResolvers, createFileResolver, normaliseTftpPath } from '../../src/tftp/files.js';
import type { TftpSource } from '../../src/tftp/source.js';
import { tempDir } from './helpers.js';

const client = { address: '10.0.0.5', port: 2070 };

async function readAll(src: TftpSource): Promise<Buffer> {
  const b = Buffer.from(await src.read(0, src.size));
  await src.close?.();
  return b;
}

async function rejectsWith(p: Promise<unknown>, code: number): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof TftpRequestError && err.code === code);
}

// Every case with lookups through libuv's thread pool and with blocking ones (the TFTP workers').
for (const blocking of [false, true]) describe(`tftp file resolver${blocking ? ', blocking lookups' : ''}`, () => {
  const tmp = tempDir();
  const root = path.join(tmp.dir, 'root');
  before(() => {
    mkdirSync(path.join(root, 'efi'), { recursive: true });
    writeFileSync(path.join(root, 'undionly.kpxe'), 'UNDI');
    writeFileSync(path.join(root, 'efi', 'snponly.efi'), 'SNP');
    writeFileSync(path.join(tmp.dir, 'secret'), 'SECRET');
    symlinkSync(path.join(tmp.dir, 'secret'), path.join(root, 'escape'));
    symlinkSync(tmp.dir, path.join(root, 'outdir'));
    symlinkSync('efi/snponly.efi', path.join(root, 'inside'));
  });
  after(() => tmp.cleanup());

  it('normalises names: backslashes, leading slashes, dot segments', () => {
    assert.equal(normaliseTftpPath('/undionly.kpxe'), 'undionly.kpxe');
    assert.equal(normaliseTftpPath('\\efi\\snponly.efi'), 'efi/snponly.efi');
    assert.equal(normaliseTftpPath('//efi/./snponly.efi'), 'efi/snponly.efi');
    for (const bad of ['../etc/passwd', 'a/../../x', '..\\..\\x', 'efi/..', 'C:\\boot.ini', 'c:/x', 'a\u0001b']) {
      assert.throws(() => normaliseTftpPath(bad), (e: unknown) => e instanceof TftpRequestError && e.code === 2, bad);
    }
  });

  it('serves files under the root and reports missing files and directories as null', async () => {
    const resolve = createFileResolver({ root, blocking });
    assert.equal((await readAll((await resolve('/undionly.kpxe', client))!)).toString(), 'UNDI');
    assert.equal((await readAll((await resolve('efi\\snponly.efi', client))!)).toString(), 'SNP');
    assert.equal((await readAll((await resolve('inside', client))!)).toString(), 'SNP', 'symlink inside the root');
    assert.equal(await resolve('missing.bin', client), null);
    assert.equal(await resolve('efi', client), null);
    assert.equal(await resolve('undionly.kpxe/x', client), null);
    assert.equal(await resolve('/etc/passwd', client), null, 'absolute names are root-relative');
  });

  it('refuses traversal and symlinks escaping the root with an access violation', async () => {
    const resolve = createFileResolver({ root, blocking });
    await rejectsWith(resolve('../secret', client), 2);
    await rejectsWith(resolve('escape', client), 2);
    await rejectsWith(resolve('outdir/secret', client), 2);
  });

  it('refuses non-regular files without opening them', async () => {
    execFileSync('mkfifo', [path.join(root, 'fifo')]);
    const resolve = createFileResolver({ root, blocking });
    await rejectsWith(resolve('fifo', client), 2);
  });

  it('layers virtual per-host files over the disk', async () => {
    const resolve = createFileResolver({
      root,
      virtual: {
        'pxelinux.cfg/default': (c) => `host ${c.address}\n`,
        'undionly.kpxe': () => Buffer.from('VIRTUAL'),
        nothing: () => null,
      },
    });
    assert.equal((await readAll((await resolve('/pxelinux.cfg/default', client))!)).toString(), 'host 10.0.0.5\n');
    assert.equal((await readAll((await resolve('undionly.kpxe', client))!)).toString(), 'VIRTUAL');
    assert.equal(await resolve('nothing', client), null);
    const chained = chainResolvers(async () => null, createFileResolver({ root, blocking }));
    assert.equal((await readAll((await chained('efi/snponly.efi', client))!)).toString(), 'SNP');
  });

  it('caches small files but notices changes; reads large files with positioned reads', async () => {
    const resolve = createFileResolver({ root, blocking, cacheFileMaxBytes: 10 });
    const f = path.join(root, 'hot.bin');
    writeFileSync(f, 'v1');
    assert.equal((await readAll((await resolve('hot.bin', client))!)).toString(), 'v1');
    writeFileSync(f, 'v2-longer');
    utimesSync(f, new Date(), new Date(Date.now() + 5000));
    assert.equal((await readAll((await resolve('hot.bin', client))!)).toString(), 'v2-longer');
    const big = Buffer.alloc(100_000, 'abcdefg');
    writeFileSync(path.join(root, 'big.bin'), big);
    const src = (await resolve('big.bin', client))!;
    assert.equal(src.size, big.length);
    assert.deepEqual(Buffer.from(await src.read(99_990, 100)), big.subarray(99_990));
    assert.deepEqual(Buffer.from(await src.read(5, 7)), big.subarray(5, 12));
    await src.close?.();
  });
});
