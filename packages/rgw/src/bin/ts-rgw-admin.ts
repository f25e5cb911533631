#!/usr/bin/env node
/**
 * ts-rgw-admin: radosgw-admin's commands on ts-rgw's layout, with its -c/-n and flags:
 *   user create --uid U --display-name N [--email E] [--access-key K --secret-key S]
 *   user info|rm [--purge-data]|modify [--display-name N] [--email E] [--max-buckets N] [--suspended 0|1] --uid U
 *   user list
 *   key create --uid U [--access-key K --secret-key S | --gen-access-key --gen-secret]; key rm --uid U --access-key K
 *   bucket list [--uid U]; bucket stats --bucket B; bucket rm --bucket B [--purge-objects]
 *   quota set --quota-scope user|bucket (--uid U | --bucket B) [--max-objects N] [--max-size BYTES]
 *   quota enable|disable --quota-scope user|bucket (--uid U | --bucket B)
 *   gc process [--include-all] [--rgw-gc-obj-min-wait SECONDS]
 * Output is radosgw-admin's JSON (the fields ts-rgw keeps). Keys come from the OS CSPRNG and are
 * printed only on stdout, as radosgw-admin does, never logged.
 */
import { CephConf, cephError, isCephError, loadCephConf, runDaemonMain } from '@ts-ceph/common';
import { existsSync } from 'node:fs';
import { Rados } from '@ts-ceph/rados';
import { addKey, listAllBuckets, listUsers, newKeyPair, removeBucket, removeKey, removeUser, updateUser } from '../admin';
import { bucketUsage, noQuota, QuotaInfo } from '../quota';
import { RgwStore, UserInfo } from '../store';
import { CommonArgs, parseCommonArgs } from './args';

const print = (v: unknown): void => void process.stdout.write(`${JSON.stringify(v, null, 4)}\n`);

function userJson(u: UserInfo): unknown {
  return {
    user_id: u.uid,
    display_name: u.displayName,
    email: u.email ?? '',
    suspended: u.suspended ? 1 : 0,
    max_buckets: u.maxBuckets ?? 1000,
    subusers: [],
    keys: u.keys.map((k) => ({ user: u.uid, access_key: k.accessKey, secret_key: k.secretKey })),
    swift_keys: [],
    caps: [],
    op_mask: 'read, write, delete',
    default_placement: '',
    default_storage_class: '',
    placement_tags: [],
    bucket_quota: u.bucketQuota ?? noQuota,
    user_quota: u.userQuota ?? noQuota,
    temp_url_keys: [],
    type: 'rgw',
    mfa_ids: [],
  };
}

/** "10G", "512K", "1000": bytes (radosgw-admin's --max-size takes a byte count with an optional suffix). */
function parseSize(s: string): number {
  const m = /^(\d+)([KMGT]?)B?$/i.exec(s.trim());
  if (!m) throw cephError('EINVAL', `bad --max-size ${s}`);
  return Number(m[1]) * 1024 ** ' KMGT'.indexOf((m[2] || ' ').toUpperCase());
}

function need(a: CommonArgs, opt: string, what: string): string {
  const v = a.options.get(opt);
  if (!v) throw cephError('EINVAL', `${what}: --${opt.replace(/_/g, '-')} is required`);
  return v;
}

function keyFromArgs(a: CommonArgs): { accessKey: string; secretKey: string } | undefined {
  const ak = a.options.get('access_key');
  const sk = a.options.get('secret_key') ?? a.options.get('secret');
  if ((ak === undefined) !== (sk === undefined)) throw cephError('EINVAL', 'give both --access-key and --secret-key, or neither');
  return ak && sk ? { accessKey: ak, secretKey: sk } : undefined;
}

async function userCmd(store: RgwStore, verb: string | undefined, a: CommonArgs): Promise<void> {
  if (verb === 'list') return print(await listUsers(store));
  const uid = need(a, 'uid', `user ${verb}`);
  if (verb === 'create') {
    const name = need(a, 'display_name', 'user create');
    const u = await store.createUser(uid, name, keyFromArgs(a) ?? newKeyPair()).catch((e: unknown) => {
      throw isCephError(e, 'EEXIST') ? cephError('EEXIST', `could not create user: unable to create user, user: ${uid} exists`) : e;
    });
    const email = a.options.get('email');
    return print(userJson(email ? await updateUser(store, uid, (x) => ({ ...x, email })) : u));
  }
  if (verb === 'info') {
    const u = await store.userInfo(uid);
    if (!u) throw cephError('ENOENT', 'could not fetch user info: no user info saved');
    return print(userJson(u));
  }
  if (verb === 'rm') return removeUser(store, uid, a.flags.has('--purge-data'));
  if (verb === 'modify') {
    const o = a.options;
    const u = await updateUser(store, uid, (x) => ({
      ...x,
      ...(o.has('display_name') ? { displayName: o.get('display_name')! } : {}),
      ...(o.has('email') ? { email: o.get('email')! } : {}),
      ...(o.has('max_buckets') ? { maxBuckets: Number(o.get('max_buckets')) } : {}),
      ...(o.has('suspended') ? { suspended: o.get('suspended') === '1' || o.get('suspended') === 'true' } : {}),
    }));
    return print(userJson(u));
  }
  throw cephError('EINVAL', `unknown command: user ${verb ?? ''}`);
}

async function keyCmd(store: RgwStore, verb: string | undefined, a: CommonArgs): Promise<void> {
  const uid = need(a, 'uid', `key ${verb}`);
  if (verb === 'create') return print(userJson(await addKey(store, uid, keyFromArgs(a) ?? newKeyPair())));
  if (verb === 'rm') return print(userJson(await removeKey(store, uid, need(a, 'access_key', 'key rm'))));
  throw cephError('EINVAL', `unknown command: key ${verb ?? ''}`);
}

async function bucketCmd(store: RgwStore, verb: string | undefined, a: CommonArgs): Promise<void> {
  if (verb === 'list') {
    const uid = a.options.get('uid');
    return print(uid ? (await store.listBuckets(uid)).map((b) => b.name) : await listAllBuckets(store));
  }
  const name = need(a, 'bucket', `bucket ${verb}`);
  if (verb === 'rm') return removeBucket(store, name, a.flags.has('--purge-objects'));
  if (verb !== 'stats') throw cephError('EINVAL', `unknown command: bucket ${verb ?? ''}`);
  const b = await store.bucket(name).catch(() => {
    throw cephError('ENOENT', 'failure: 2: (2) No such file or directory');
  });
  const u = await bucketUsage(store, b);
  const kb = Math.ceil(u.size / 1024);
  print({
    bucket: b.name,
    tenant: '',
    placement_rule: 'default-placement',
    id: b.id,
    marker: b.id,
    index_type: 'Normal',
    owner: b.owner,
    creation_time: new Date(b.createdMs).toISOString(),
    usage: u.numObjects ? { 'rgw.main': { size: u.size, size_actual: u.size, size_utilized: u.size, size_kb: kb, size_kb_actual: kb, size_kb_utilized: kb, num_objects: u.numObjects } } : {},
    bucket_quota: b.quota ?? noQuota,
  });
}

async function quotaCmd(store: RgwStore, verb: string | undefined, a: CommonArgs): Promise<void> {
  const scope = need(a, 'quota_scope', `quota ${verb}`);
  if (scope !== 'user' && scope !== 'bucket') throw cephError('EINVAL', 'ERROR: invalid quota scope specification.');
  if (verb !== 'set' && verb !== 'enable' && verb !== 'disable') throw cephError('EINVAL', `unknown command: quota ${verb ?? ''}`);
  const change = (q: QuotaInfo | undefined): QuotaInfo => {
    const next = { ...(q ?? noQuota) };
    if (verb === 'enable' || verb === 'disable') next.enabled = verb === 'enable';
    if (a.options.has('max_objects')) next.max_objects = Number(a.options.get('max_objects'));
    if (a.options.has('max_size')) {
      next.max_size = Number(a.options.get('max_size')) < 0 ? -1 : parseSize(a.options.get('max_size')!);
      next.max_size_kb = next.max_size < 0 ? 0 : Math.ceil(next.max_size / 1024);
    }
    return next;
  };
  const bucket = a.options.get('bucket');
  if (scope === 'bucket' && bucket) return store.updateBucket(bucket, (b) => ({ ...b, quota: change(b.quota) }));
  const uid = need(a, 'uid', 'quota');
  await updateUser(store, uid, (u) => (scope === 'user' ? { ...u, userQuota: change(u.userQuota) } : { ...u, bucketQuota: change(u.bucketQuota) }));
}

async function main(argv: string[]): Promise<number> {
  const a = parseCommonArgs(argv, 'client.admin');
  const [noun, verb] = a.positional;
  const commands: Record<string, (s: RgwStore, v: string | undefined, a: CommonArgs) => Promise<void>> = { user: userCmd, key: keyCmd, bucket: bucketCmd, quota: quotaCmd };
  const cmd = noun ? commands[noun] : undefined;
  if (!cmd && !(noun === 'gc' && verb === 'process')) throw cephError('EINVAL', 'usage: ts-rgw-admin user|key|bucket|quota|gc ... (see --help of radosgw-admin)');
  const conf = existsSync(a.conf) ? loadCephConf(a.conf) : new CephConf();
  // Any config option may be given on the command line (--rgw-gc-obj-min-wait 0), as radosgw-admin takes them.
  const get = (k: string): string | undefined => a.options.get(k) ?? conf.get(k, a.name);
  const rados = await Rados.connect({ conf, name: a.name, keyring: a.options.get('keyring'), timeoutMs: 30_000 });
  try {
    const store = await RgwStore.open(rados, get('ts_rgw_pool_prefix') ?? 'ts-rgw');
    if (cmd) {
      await cmd(store, verb, a);
      return 0;
    }
    // radosgw-admin gc process: what is past rgw_gc_obj_min_wait, or everything with --include-all.
    const all = a.flags.has('--include-all') || a.options.has('include_all');
    await store.collectGarbage(all ? 0 : Number(get('rgw_gc_obj_min_wait') ?? 7200) * 1000);
    return 0;
  } finally {
    await rados.shutdown();
  }
}

runDaemonMain('ts-rgw-admin', main);
