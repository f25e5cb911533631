import { wireTypeTable, makeAddr, AddrType } from '@ts-ceph/denc';
import * as sm from './core/service-map';

/** The mgr's own wire types (src/mgr/ServiceMap.h), registered under their corpus names. */
const wireType = wireTypeTable('mgr');

function sampleDaemon(): sm.ServiceDaemon {
  return { gid: 4123n, addr: makeAddr(AddrType.ANY, '10.0.0.3', 0, 77), startEpoch: 2, startStamp: { sec: 1_700_000_000, nsec: 1000 }, metadata: [['hostname', 'h1'], ['pid', '42']], taskStatus: [['sync', 'idle']] };
}

wireType('ServiceMap::Daemon', sm.decodeServiceDaemon, sm.encodeServiceDaemon, () => [sm.newServiceDaemon(), sampleDaemon()]);
wireType('ServiceMap::Service', sm.decodeService, sm.encodeService, () => [{ daemons: new Map(), summary: '' }, { daemons: new Map([['one', sampleDaemon()]]), summary: 'x' }]);
wireType('ServiceMap', sm.decodeServiceMap, sm.encodeServiceMap, () => [sm.newServiceMap(), { epoch: 3, modified: { sec: 1_700_000_001, nsec: 0 }, services: new Map([['rgw', { daemons: new Map([['a', sampleDaemon()]]), summary: '' }]]) }]);
