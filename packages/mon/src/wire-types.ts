/**
 * The mon-owned wire types, registered under their corpus names. MonitorDBStore::Transaction is
 * tested in test/store.test.ts instead: the 16.2.0 corpus holds a sample of it
 * (cd4d10bbf5811d550e31bc0a3c9dd8ca) that is a text hexdump rather than an encoding.
 */
import { registerType, EntityType, makeAddr, AddrType } from '@ts-ceph/denc';
import { StoreOp, StoreTxnOp, decodeStoreOp, encodeStoreOp } from './core/store-txn';
import { AuthIncType, AuthMonIncremental, decodeAuthMonIncremental, encodeAuthMonIncremental } from './core/auth/auth-inc';
import { LogEntry, LogSummary, decodeLogEntry, encodeLogEntry, decodeLogSummary, encodeLogSummary, emptyLogSummary, logSummaryAdd } from './core/log/log-entry';
import { HealthCheck, HealthCheckMap, decodeHealthCheck, encodeHealthCheck, decodeHealthCheckMap, encodeHealthCheckMap } from './core/health/health-check';

const owner = 'mon';

registerType<StoreTxnOp>({
  name: 'MonitorDBStore::Op',
  owner,
  decode: decodeStoreOp,
  encode: encodeStoreOp,
  samples: () => [
    { type: StoreOp.PUT, prefix: 'osdmap', key: 'full_1', bl: Buffer.from('abc'), endkey: '' },
    { type: StoreOp.ERASE_RANGE, prefix: 'paxos', key: '1', bl: Buffer.alloc(0), endkey: '9' },
  ],
});

registerType<AuthMonIncremental>({
  name: 'AuthMonitor::Incremental',
  owner,
  decode: decodeAuthMonIncremental,
  encode: encodeAuthMonIncremental,
  samples: () => [
    { incType: AuthIncType.GLOBAL_ID, maxGlobalId: 14096n },
    { incType: AuthIncType.AUTH_DATA, authType: 2, authData: Buffer.from('payload') },
  ],
});

const sampleEntry = (): LogEntry => ({
  name: { type: EntityType.MON, id: 'a' },
  rank: { type: EntityType.MON, num: 0 },
  addrs: [makeAddr(AddrType.MSGR2, '127.0.0.1', 3300)],
  stamp: { sec: 1_700_000_000, nsec: 5000 },
  seq: 7n,
  prio: 1,
  msg: 'mon.a is new leader',
  channel: 'cluster',
});

registerType<LogEntry>({
  name: 'LogEntry',
  owner,
  decode: decodeLogEntry,
  encode: encodeLogEntry,
  samples: () => [sampleEntry(), { ...sampleEntry(), channel: 'audit', prio: 0, msg: "from='client.? 127.0.0.1:0/1' entity='client.admin' cmd=[{\"prefix\": \"status\"}]: dispatch" }],
});

registerType<LogSummary>({
  name: 'LogSummary',
  owner,
  decode: decodeLogSummary,
  encode: encodeLogSummary,
  samples: () => {
    const s = emptyLogSummary();
    s.version = 3;
    logSummaryAdd(s, sampleEntry());
    logSummaryAdd(s, { ...sampleEntry(), channel: 'audit' });
    return [emptyLogSummary(), s];
  },
});

registerType<HealthCheck>({
  name: 'health_check_t',
  owner,
  decode: decodeHealthCheck,
  encode: encodeHealthCheck,
  samples: () => [{ severity: 1, summary: 'OSD count 0 < osd_pool_default_size 3', detail: [], count: 3 }],
});

registerType<HealthCheckMap>({
  name: 'health_check_map_t',
  owner,
  decode: decodeHealthCheckMap,
  encode: encodeHealthCheckMap,
  samples: () => [new Map(), new Map([['OSD_DOWN', { severity: 1, summary: '1 osds down', detail: ['osd.1 is down'], count: 1 }]])],
});
