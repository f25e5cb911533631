/**
 * The mon-owned wire types, registered under their corpus names. MonitorDBStore::Transaction is
 * tested in test/store.test.ts instead: the 16.2.0 corpus holds a sample of it
 * (cd4d10bbf5811d550e31bc0a3c9dd8ca) that is a text hexdump rather than an encoding.
 */
import { registerType } from '@ts-ceph/denc';
import { StoreOp, StoreTxnOp, decodeStoreOp, encodeStoreOp } from './core/store-txn';

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
