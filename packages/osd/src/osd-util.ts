import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EntityAddrvec, Uuid, formatAddr } from '@ts-ceph/denc';
import { Clock, cephError } from '@ts-ceph/common';
import { OSDCap, RotatingKeyRing, RotatingSecrets } from '@ts-ceph/cephx';
import { MonClient } from '@ts-ceph/rados';
import { NativeStore } from '@ts-ceph/objectstore';

/**
 * ceph-osd --mkfs's files: whoami and fsid (the OSD uuid), then the native store; with a
 * passphrase the store is encrypted (LUKS2 device, sealed metadata).
 */
export async function mkfsOsd(opts: { id: number; osdData: string; osdUuid: Uuid; deviceBytes?: number; passphrase?: Buffer }): Promise<void> {
  mkdirSync(opts.osdData, { recursive: true });
  const store = new NativeStore({ path: opts.osdData, deviceBytes: opts.deviceBytes, ...(opts.passphrase ? { encrypt: true, passphrase: opts.passphrase } : {}) });
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

/** Each session's OSDCap, parsed once rather than per op; a re-authentication with new caps text parses again. */
export class SessionCaps {
  private readonly bySession = new WeakMap<object, { text: string | undefined; cap: OSDCap | undefined }>();
  get(session: object, text: string | undefined): OSDCap | undefined {
    const c = this.bySession.get(session);
    if (c && c.text === text) return c.cap;
    const cap = parseCap(text);
    this.bySession.set(session, { text, cap });
    return cap;
  }
}

export function sameAddrs(a: EntityAddrvec, b: EntityAddrvec): boolean {
  return a.length === b.length && a.every((x, i) => formatAddr(x) === formatAddr(b[i]!));
}


/** Wait (at most `timeoutMs`) for the OSD service's rotating keys from the monitor, to verify clients' authorizers. */
export function fetchRotatingKeys(monc: MonClient, keys: RotatingKeyRing, clock: Clock, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const check = (): boolean => {
      const s = monc.authClient?.rotatingSecrets as RotatingSecrets | undefined;
      if (!s || s.secrets.size === 0) return false;
      keys.setSecrets(s);
      return true;
    };
    const timer = clock.setTimeout(() => reject(cephError('ETIMEDOUT', 'no rotating keys from the monitor')), timeoutMs);
    const onAuth = (): void => {
      if (check()) {
        timer.cancel();
        monc.off('auth', onAuth);
        resolve();
      }
    };
    monc.on('auth', onAuth);
    monc.requestRotatingKeys();
  });
}
