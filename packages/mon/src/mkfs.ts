/**
 * `ts-mon --mkfs` (Monitor::mkfs and ceph-mon's mkfs path): build or read the initial monmap, take
 * the mkfs keyring (generating mon. if it is missing), write <mon_data>/keyring (mon. only, 0600) and
 * the LevelDB store with every service's first version.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CephConf, Clock, cephError, newUuid } from '@ts-ceph/common';
import { EntityType, Reader, isUuid, AddrType, parseAddr, addrIp, addrPort, makeAddr } from '@ts-ceph/denc';
import { KeyRing, CryptoKey, cryptoRandom, capsBlob, loadKeyRing, writeKeyRing } from '@ts-ceph/cephx';
import { MonMap, newMonMap, decodeMonMap, monMapAdd, newMonInfo } from '@ts-ceph/maps';
import { parseMonHost } from '@ts-ceph/rados';
import { LevelKV } from './store/level-kv';
import { Monitor } from './monitor';

export interface MkfsArgs {
  id: string;
  monData: string;
  conf: CephConf;
  monmapFile?: string;
  keyringFile?: string;
  /** An in-memory mkfs keyring (bootstrap), instead of keyringFile. */
  keyringWith?: KeyRing;
  clock: Clock;
}

/** MonMap::build_initial: from mon_host (or our public_addr), named by mon_initial_members or noname-X. */
export function buildInitialMonMap(conf: CephConf, id: string): MonMap {
  const entity = `mon.${id}`;
  const fsidText = conf.get('fsid', entity);
  if (!fsidText || !isUuid(fsidText)) throw cephError('EINVAL', 'mkfs without --monmap needs a valid fsid in the conf');
  const m = newMonMap();
  m.fsid = fsidText.toLowerCase();
  const monHost = conf.get('mon_host', entity);
  const publicAddr = conf.get('public_addr', entity);
  if (monHost) {
    const initial = parseMonHost(monHost);
    const members = (conf.get('mon_initial_members', entity) ?? '').split(/[\s,;]+/).filter(Boolean);
    initial.forEach((im, i) => monMapAdd(m, newMonInfo(members[i] ?? (initial.length === 1 ? id : im.name), im.addrs.filter((a) => a.type === AddrType.MSGR2))));
  } else if (publicAddr) {
    const a = parseAddr(publicAddr, AddrType.MSGR2);
    if (!a) throw cephError('EINVAL', `cannot parse public_addr '${publicAddr}'`);
    monMapAdd(m, newMonInfo(id, [makeAddr(AddrType.MSGR2, addrIp(a), addrPort(a) || 3300, 0)]));
  } else throw cephError('EINVAL', 'mkfs needs --monmap, mon_host or public_addr');
  if (!m.monInfo.has(id)) throw cephError('ENOENT', `mon.${id} is not in the initial monmap (check mon_host / mon_initial_members)`);
  return m;
}

export async function mkfs(a: MkfsArgs): Promise<void> {
  const storePath = join(a.monData, 'store.db');
  if (existsSync(storePath)) throw cephError('EEXIST', `${a.monData} already holds a mon store; refusing to overwrite it`);
  let monmap: MonMap;
  if (a.monmapFile) {
    monmap = decodeMonMap(new Reader(readFileSync(a.monmapFile)));
    if (!monmap.monInfo.has(a.id)) throw cephError('ENOENT', `mon.${a.id} is not in monmap ${a.monmapFile}`);
  } else monmap = buildInitialMonMap(a.conf, a.id);
  if (monmap.fsid === '00000000-0000-0000-0000-000000000000') monmap.fsid = newUuid();
  const keyring = a.keyringWith ?? (a.keyringFile ? loadKeyRing(a.keyringFile) : new KeyRing());
  const monName = { type: EntityType.MON, id: '' };
  if (!keyring.get(monName)) keyring.add(monName, { key: CryptoKey.generate(cryptoRandom, a.clock.wallNow()), caps: new Map([['mon', capsBlob('allow *')]]) });
  // Owner-only: the store holds every entity's secret (the daemons' umask 077 covers the files).
  mkdirSync(a.monData, { recursive: true, mode: 0o700 });
  const monKeyring = new KeyRing();
  monKeyring.add(monName, keyring.get(monName)!);
  writeKeyRing(join(a.monData, 'keyring'), monKeyring);
  writeFileSync(join(a.monData, 'kv_backend'), 'leveldb\n');
  const kv = await LevelKV.open(storePath, { createIfMissing: true });
  await Monitor.mkfs({ name: a.id, kv, conf: a.conf, monKeyring, clock: a.clock }, { monmap, keyring });
}
