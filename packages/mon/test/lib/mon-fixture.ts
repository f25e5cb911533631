/**
 * A whole Monitor over a memory store (mkfs + open), with a simulated clock, for service tests that
 * need the maps: OSDMap, MonMap, MgrMap and every command.
 */
import { CephConf, SimClock } from '@ts-ceph/common';
import { AddrType, EntityType, makeAddr } from '@ts-ceph/denc';
import { KeyRing, CryptoKey, capsBlob } from '@ts-ceph/cephx';
import { newMonMap, monMapAdd, newMonInfo } from '@ts-ceph/maps';
import { MemoryKV } from '../../src/store/kv';
import { Monitor } from '../../src/monitor';
import { MonSession } from '../../src/core/session';

export const FSID = 'b6f5a4e2-1c3d-4e5f-8a9b-0c1d2e3f4a5b';

export class MonFixture {
  clock = new SimClock(1_700_000_000_000);
  kv = new MemoryKV();
  conf: CephConf;
  monKeyring = new KeyRing();
  mon!: Monitor;

  constructor(extraConf = '') {
    this.conf = CephConf.parse(`[global]\nfsid = ${FSID}\nmon_allow_pool_delete = true\n${extraConf}\n`);
    this.monKeyring.add({ type: EntityType.MON, id: '' }, { key: CryptoKey.generate({ bytes: (n) => Buffer.alloc(n, 3) }, 0), caps: new Map([['mon', capsBlob('allow *')]]) });
  }

  static async create(extraConf = ''): Promise<MonFixture> {
    const f = new MonFixture(extraConf);
    const mm = newMonMap();
    mm.fsid = FSID;
    monMapAdd(mm, newMonInfo('a', [makeAddr(AddrType.MSGR2, '127.0.0.1', 3300, 0)]));
    const kr = new KeyRing();
    kr.add({ type: EntityType.CLIENT, id: 'admin' }, { key: CryptoKey.generate({ bytes: (n) => Buffer.alloc(n, 9) }, 0), caps: new Map([['mon', capsBlob('allow *')], ['osd', capsBlob('allow *')], ['mgr', capsBlob('allow *')], ['mds', capsBlob('allow *')]]) });
    await Monitor.mkfs(f.opts(), { monmap: mm, keyring: kr });
    f.mon = await Monitor.open(f.opts());
    return f;
  }

  opts() {
    return { name: 'a', kv: this.kv, conf: this.conf, monKeyring: this.monKeyring, clock: this.clock };
  }

  async restart(): Promise<void> {
    // kill -9: nothing is flushed; whatever was acknowledged is in the durable backend.
    this.mon = await Monitor.open(this.opts());
  }

  async cmd(c: Record<string, unknown>, opts: { inbuf?: Buffer; as?: MonSession } = {}) {
    const r = await this.mon.command(opts.as ?? this.mon.adminSession(), [JSON.stringify(c)], opts.inbuf);
    return { ...r, out: r.outbl.toString() };
  }
}
