/**
 * Two Messengers in secure mode over real TCP for the large-message tests (secure-net,
 * secure-large-net): the server checks each message's data against its pattern and acks it.
 */
import { EntityType } from '@ts-ceph/denc';
import { CephMessage, ConMode, makeMessage, Messenger } from '../../src';
import { SharedKeyClient, SharedKeyServer } from './harness';

/** Message i's data: `bytes` of i's low byte, with i at both ends (so a swap or a cut shows). */
export function patternOf(i: number, bytes: number): Buffer {
  const b = Buffer.alloc(bytes, i & 0xff);
  b.writeUInt32LE(i, 0);
  b.writeUInt32LE(i, bytes - 4);
  return b;
}

/** A bound server and a client (not yet connected), both secure-only with `key`. */
export async function securePair(key: Buffer, dataBytes: number, gcm?: 'native' | 'node') {
  const server = new Messenger({ entityType: EntityType.MON, nonce: 0, authServer: new SharedKeyServer(key, [ConMode.SECURE]), gcm });
  const client = new Messenger({ entityType: EntityType.CLIENT, authClient: new SharedKeyClient(key, [ConMode.SECURE]), gcm });
  const got: { i: number; ok: boolean }[] = [];
  server.addDispatcher({
    msDispatch(con, msg: CephMessage) {
      const i = msg.data.readUInt32LE(0);
      got.push({ i, ok: msg.data.equals(patternOf(i, dataBytes)) });
      con.send(makeMessage({ type: 2, tid: msg.tid }));
    },
  });
  let acks = 0;
  const resets: string[] = [];
  client.addDispatcher({ msDispatch: () => void acks++, msHandleReset: (_c, e) => void resets.push(e.code) });
  const [addr] = await server.bind('127.0.0.1', 0);
  return { server, client, got, addr: addr!, acks: () => acks, resets };
}
