#!/usr/bin/env node
// ts-objectstore-tool: offline access to a native store, after ceph-objectstore-tool.
// Exit status: 0 success; 1 the operation failed (stderr "Error <ERRNO>: <message>"; fsck: errors
// found); 2 bad usage.
import { readFileSync, statSync, writeSync } from 'node:fs';
import { CephError, configureLog, exitAfterFlush, parseSize } from '@ts-ceph/common';
import { stringToBytes } from '@ts-ceph/denc';
import { NativeStore } from '../blockstore/store';
import { readKeyFile } from '../luks/key-file';
import { cephStrHashRjenkins } from '../hash';
import { Transaction } from '../transaction';
import { CEPH_NOSNAP, collMeta, CollT, GHObject, ghobject, ghobjectMax, ghobjectMin, parseColl } from '../types';

const usage = `usage: ts-objectstore-tool --data-path D [--block DEV] --op OP [options] [object]
  ops: mkfs | fsck | list | get-bytes | set-bytes | remove | get-attrs | get-omap
  --pgid P            the PG (e.g. 1.0, 2.1fs0) or "meta"; list without it lists every collection
  --oid NAME          object name (or give the object as ceph-objectstore-tool JSON, or a bare name)
  --namespace NS --key K --snap N --hash H   the rest of the object's identity (hash default: rjenkins of the name)
  --file F            get-bytes: write here (default stdout); set-bytes: read from here (default stdin)
  --encrypt           mkfs: LUKS2-encrypt the device
  --key-file K        the key for an encrypted store (must not be world-readable)
  --size BYTES        mkfs: size of a new block file (default 1G)
  --deep              fsck: read and checksum every block
  --io pool|uring     I/O backend (default: io_uring with fallback)`;

class UsageError extends Error {}

function parseArgs(argv: string[]): { opts: Map<string, string>; flags: Set<string>; pos: string[] } {
  const opts = new Map<string, string>();
  const flags = new Set<string>();
  const pos: string[] = [];
  const valued = new Set(['--data-path', '--block', '--op', '--pgid', '--oid', '--namespace', '--key', '--snap', '--hash', '--file', '--key-file', '--size', '--io', '--pool']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (valued.has(a)) {
      if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
      opts.set(a, argv[++i]!);
    } else if (a === '--encrypt' || a === '--deep' || a === '--help') flags.add(a);
    else if (a.startsWith('--')) throw new UsageError(`unknown option ${a}`);
    else pos.push(a);
  }
  return { opts, flags, pos };
}


/** The object: ceph-objectstore-tool's JSON form ["pgid",{...}] or {...}, or --oid and friends. */
function parseObject(opts: Map<string, string>, pos: string[], pool: number): GHObject {
  const text = pos[0];
  if (text && text.trim().startsWith('[') || text?.trim().startsWith('{')) {
    let j = JSON.parse(text) as unknown;
    if (Array.isArray(j)) j = j[1];
    const o = j as { oid: string; key?: string; snapid?: number; hash?: number; pool?: number; namespace?: string; shard_id?: number; generation?: number };
    return ghobject({
      name: o.oid,
      key: o.key ?? '',
      snap: o.snapid === undefined || o.snapid === -2 ? CEPH_NOSNAP : BigInt(o.snapid),
      hash: o.hash ?? cephStrHashRjenkins(o.key || o.oid),
      pool: o.pool ?? pool,
      nspace: o.namespace ?? '',
      ...(o.shard_id !== undefined && o.shard_id >= 0 ? { shard: o.shard_id } : {}),
    });
  }
  const name = opts.get('--oid') ?? text;
  if (!name) throw new UsageError('this op needs an object (--oid NAME or a JSON object)');
  const key = opts.get('--key') ?? '';
  return ghobject({
    name,
    key,
    nspace: opts.get('--namespace') ?? '',
    snap: opts.has('--snap') ? BigInt(opts.get('--snap')!) : CEPH_NOSNAP,
    hash: opts.has('--hash') ? Number(opts.get('--hash')) >>> 0 : cephStrHashRjenkins(key || name),
    pool,
  });
}

function objectJson(c: CollT, o: GHObject): string {
  const pgid = c.type === 'meta' ? 'meta' : `${c.pool}.${c.seed.toString(16)}${c.shard >= 0 ? `s${c.shard}` : ''}`;
  const snapid = o.snap === CEPH_NOSNAP ? -2 : o.snap === 0xffffffffffffffffn ? -1 : Number(o.snap);
  return JSON.stringify([pgid, { oid: o.name, key: o.key, snapid, hash: o.hash, max: 0, pool: o.pool, namespace: o.nspace }]);
}

async function main(argv: string[]): Promise<number> {
  const { opts, flags, pos } = parseArgs(argv);
  if (flags.has('--help')) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const path = opts.get('--data-path');
  const op = opts.get('--op') ?? pos.shift();
  if (!path || !op) throw new UsageError('--data-path and --op are required');
  configureLog({ levels: { nativestore: 0, bdev: 0 } });
  const keyFile = opts.get('--key-file');
  const passphrase = keyFile ? readKeyFile(keyFile) : undefined;
  const io = opts.get('--io');
  const store = new NativeStore({
    path,
    ...(opts.has('--block') ? { blockPath: opts.get('--block')! } : {}),
    ...(opts.has('--size') ? { deviceBytes: parseSize(opts.get('--size')!, '--size') } : {}),
    encrypt: flags.has('--encrypt'),
    ...(passphrase ? { passphrase } : {}),
    ...(io === 'pool' || io === 'uring' ? { backend: io } : {}),
  });
  if (op === 'mkfs') {
    if (flags.has('--encrypt') && !passphrase) throw new UsageError('mkfs --encrypt needs --key-file');
    await store.mkfs();
    process.stdout.write(`mkfs ${path} done\n`);
    return 0;
  }
  await store.mount();
  try {
    return await runOp(store, op, opts, flags, pos);
  } finally {
    await store.umount();
  }
}

async function runOp(store: NativeStore, op: string, opts: Map<string, string>, flags: Set<string>, pos: string[]): Promise<number> {
  const pgid = opts.get('--pgid');
  const coll = (): CollT => {
    if (!pgid) throw new UsageError(`--op ${op} needs --pgid`);
    return pgid === 'meta' ? collMeta() : parseColl(`${pgid}_head`);
  };
  const obj = (): GHObject => {
    const c = coll();
    return parseObject(opts, pos, c.type === 'meta' ? -1 : c.pool);
  };
  switch (op) {
    case 'fsck': {
      const r = await store.fsck(flags.has('--deep'));
      for (const p of r.problems) process.stderr.write(`fsck error: ${p}\n`);
      process.stdout.write(`fsck: ${r.objects} objects, ${r.errors} errors${flags.has('--deep') ? `, ${r.bytesChecked} bytes checked` : ''}\n`);
      if (r.errors) {
        process.stderr.write(`fsck found ${r.errors} errors\n`);
        return 1;
      }
      return 0;
    }
    case 'list': {
      const colls = pgid ? [coll()] : await store.listCollections();
      for (const c of colls) {
        let start = ghobjectMin();
        for (;;) {
          const page = await store.collectionList(c, start, ghobjectMax(), 1000);
          for (const o of page.objects) process.stdout.write(objectJson(c, o) + '\n');
          if (page.next.max) break;
          start = page.next;
        }
      }
      return 0;
    }
    case 'get-bytes': {
      const data = await store.read(coll(), obj(), 0, 0);
      const file = opts.get('--file') ?? pos[1];
      if (file && file !== '-') {
        const { writeFileSync } = await import('node:fs');
        writeFileSync(file, data);
      } else writeSync(1, data);
      return 0;
    }
    case 'set-bytes': {
      const file = opts.get('--file') ?? pos[1];
      const data = file && file !== '-' ? readFileSync(file) : readFileSync(0);
      const c = coll();
      const o = obj();
      const t = new Transaction();
      if (!(await store.collectionExists(c))) t.createCollection(c);
      await store.queueTransaction(t.truncate(c, o, 0).write(c, o, 0, data).truncate(c, o, data.length));
      return 0;
    }
    case 'remove': {
      const c = coll();
      const o = obj();
      if (!(await store.exists(c, o))) throw new CephError('ENOENT', 2, 'no such object');
      await store.queueTransaction(new Transaction().remove(c, o));
      process.stdout.write('remove done\n');
      return 0;
    }
    case 'get-attrs': {
      for (const [k, v] of await store.getattrs(coll(), obj())) process.stdout.write(namedLine(k, v));
      return 0;
    }
    case 'get-omap': {
      const r = await store.omapGet(coll(), obj());
      if (r.header.length) process.stdout.write(`header: ${r.header.toString('base64')}\n`);
      for (const [k, v] of r.values) process.stdout.write(namedLine(k, v));
      return 0;
    }
    default:
      throw new UsageError(`unknown op ${op}`);
  }
}

/** "<name>: <base64 value>", the name as its own bytes (an omap key or xattr name need not be UTF-8). */
const namedLine = (name: string, v: Buffer): Buffer => Buffer.concat([stringToBytes(name), Buffer.from(`: ${v.toString('base64')}\n`)]);

main(process.argv.slice(2)).then(
  (code) => exitAfterFlush(code),
  (e: Error) => {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n${usage}\n`);
      return exitAfterFlush(2);
    }
    const code = e instanceof CephError ? e.code : 'EIO';
    process.stderr.write(`Error ${code}: ${e.message}\n`);
    exitAfterFlush(1);
  },
);
