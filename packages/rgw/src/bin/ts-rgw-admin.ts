#!/usr/bin/env node
/**
 * ts-rgw-admin: radosgw-admin's user commands on ts-rgw's layout, with its -c/-n and flags:
 *   ts-rgw-admin user create --uid U --display-name N [--access-key K --secret-key S]
 *   ts-rgw-admin user info --uid U
 *   ts-rgw-admin gc process [--include-all]
 * Output is radosgw-admin's JSON (the fields ts-rgw keeps). Keys are generated from the OS CSPRNG.
 */
import { CephConf, cephError, isCephError, loadCephConf, runDaemonMain } from '@ts-ceph/common';
import { existsSync } from 'node:fs';
import { Rados } from '@ts-ceph/rados';
import { RgwStore, UserInfo } from '../store';
import { parseCommonArgs } from './args';

function userJson(u: UserInfo): string {
  const doc = {
    user_id: u.uid,
    display_name: u.displayName,
    email: '',
    suspended: 0,
    max_buckets: 1000,
    subusers: [],
    keys: u.keys.map((k) => ({ user: u.uid, access_key: k.accessKey, secret_key: k.secretKey })),
    swift_keys: [],
    caps: [],
    op_mask: 'read, write, delete',
    type: 'rgw',
  };
  return `${JSON.stringify(doc, null, 4)}\n`;
}

async function main(argv: string[]): Promise<number> {
  const a = parseCommonArgs(argv, 'client.admin');
  const [noun, verb] = a.positional;
  const uid = a.options.get('uid');
  const isGc = noun === 'gc' && verb === 'process';
  if (!isGc && (noun !== 'user' || (verb !== 'create' && verb !== 'info'))) throw cephError('EINVAL', 'usage: ts-rgw-admin user create|info --uid U [--display-name N] | gc process [--include-all]');
  if (!isGc && !uid) throw cephError('EINVAL', 'user: --uid is required');
  const conf = existsSync(a.conf) ? loadCephConf(a.conf) : new CephConf();
  const rados = await Rados.connect({ conf, name: a.name, keyring: a.options.get('keyring'), timeoutMs: 30_000 });
  try {
    const store = await RgwStore.open(rados, a.options.get('ts_rgw_pool_prefix') ?? conf.get('ts_rgw_pool_prefix', a.name) ?? 'ts-rgw');
    if (isGc) {
      // radosgw-admin gc process: what is past rgw_gc_obj_min_wait, or everything with --include-all.
      const all = a.flags.has('--include-all') || a.options.has('include_all');
      await store.collectGarbage(all ? 0 : Number(conf.get('rgw_gc_obj_min_wait', a.name) ?? 7200) * 1000);
      return 0;
    }
    if (verb === 'info') {
      const u = await store.userInfo(uid!);
      if (!u) throw cephError('ENOENT', 'could not fetch user info: no user info saved');
      process.stdout.write(userJson(u));
      return 0;
    }
    const name = a.options.get('display_name');
    if (!name) throw cephError('EINVAL', 'user create: --display-name is required');
    const ak = a.options.get('access_key');
    const sk = a.options.get('secret_key') ?? a.options.get('secret');
    if ((ak === undefined) !== (sk === undefined)) throw cephError('EINVAL', 'user create: give both --access-key and --secret-key, or neither');
    const u = await store.createUser(uid!, name, ak && sk ? { accessKey: ak, secretKey: sk } : undefined).catch((e: unknown) => {
      throw isCephError(e, 'EEXIST') ? cephError('EEXIST', `could not create user: unable to create user, user: ${uid} exists`) : e;
    });
    process.stdout.write(userJson(u));
    return 0;
  } finally {
    await rados.shutdown();
  }
}

runDaemonMain('ts-rgw-admin', main);
