import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EntityAddrvec, Uuid, formatAddr } from '@ts-ceph/denc';
import { OSDCap } from '@ts-ceph/cephx';
import { NativeStore } from '@ts-ceph/objectstore';

/** ceph-osd --mkfs's files: whoami and fsid (the OSD uuid), then the native store. */
export async function mkfsOsd(opts: { id: number; osdData: string; osdUuid: Uuid; deviceBytes?: number }): Promise<void> {
  mkdirSync(opts.osdData, { recursive: true });
  const store = new NativeStore({ path: opts.osdData, deviceBytes: opts.deviceBytes });
  await store.mkfs();
  writeFileSync(join(opts.osdData, 'whoami'), `${opts.id}\n`);
  writeFileSync(join(opts.osdData, 'fsid'), `${opts.osdUuid}\n`);
}

/** pg_pool_t::calc_bits_of(pg_num - 1): the collection's hash bits. */
export function pgBits(pgNum: number): number {
  let n = Math.max(0, pgNum - 1);
  let b = 0;
  while (n) {
    b++;
    n >>>= 1;
  }
  return b;
}

export function parseCap(text: string | undefined): OSDCap | undefined {
  if (!text) return undefined;
  try {
    return OSDCap.parse(text);
  } catch {
    return undefined;
  }
}

export function sameAddrs(a: EntityAddrvec, b: EntityAddrvec): boolean {
  return a.length === b.length && a.every((x, i) => formatAddr(x) === formatAddr(b[i]!));
}

