import { Reader, Writer, CEPH_FEATURES_ALL } from '@ts-ceph/denc';
import { CephMessage, MessageBody, MessageCodec, messageTypes } from '@ts-ceph/messenger/core';

/**
 * Helpers for writing a message codec in one small file: `defineMessage` registers the codec with
 * the messenger's process-wide registry (one line per message, STYLE §3) and returns it.
 * Front decoders read through a bounded Reader and must consume the whole front unless the message
 * allows a newer sender's tail (Ceph's decode_payload ignores trailing bytes; so do we).
 */
export function defineMessage<T>(c: MessageCodec<T>): MessageCodec<T> {
  return messageTypes.register(c);
}

/** Run `fn` over the front segment with the field path named after the message. */
export function readFront<T>(msg: CephMessage, name: string, fn: (r: Reader) => T): T {
  const r = new Reader(msg.front);
  return r.within(name, () => fn(r));
}

export function writeFront(fn: (w: Writer) => void, features: bigint = CEPH_FEATURES_ALL): MessageBody {
  const w = new Writer(features);
  fn(w);
  return { front: w.finish() };
}
