import { EntityNameT } from '@ts-ceph/denc';
import { CEPH_MSG_FOOTER_COMPLETE, CEPH_MSG_FOOTER_NOCRC, CEPH_MSG_PRIO_DEFAULT } from './tags';

/**
 * A Ceph message as the messenger carries it (src/msg/Message.h): the envelope fields of
 * ceph_msg_header plus the three payload parts. The messenger never looks inside front/middle/data;
 * payload codecs (packages/messages) turn them into typed values.
 */
export interface CephMessage {
  type: number;
  /** Encoding version of the payload and the oldest version that can decode it. */
  version: number;
  compatVersion: number;
  priority: number;
  /** Transaction id chosen by the sender (0 when unused). */
  tid: bigint;
  /** Sender's data offset hint (rados ops: the object offset), kept for the receiver. */
  dataOff: number;
  front: Buffer;
  middle: Buffer;
  data: Buffer;
  /**
   * Send side only: the data segment as several buffers, sent where they lie (written piecewise in
   * crc mode, sealed from the list in secure mode), never joined. A message built with them
   * (withDataParts) reads `data` as their join, made on first access for an in-process reader (a
   * test, the simulation); the send path never reads it. Received messages never have parts.
   */
  dataParts?: readonly Buffer[];
  /** Set by the messenger on send and receive. */
  seq?: number;
  /** ceph_msg_header2.flags (footer flags); defaults to COMPLETE|NOCRC as Ceph's msgr2 sends. */
  flags?: number;
  reserved?: number;
  dataPrePaddingLen?: number;
  /** On receive: who sent it (peer type + the global id it announced). */
  src?: EntityNameT;
}

export const MSG_FLAGS_DEFAULT = CEPH_MSG_FOOTER_COMPLETE | CEPH_MSG_FOOTER_NOCRC;

const empty = Buffer.alloc(0);

/** A message with defaults for everything but the type and front payload. */
export function makeMessage(m: Partial<CephMessage> & { type: number }): CephMessage {
  return {
    version: 1,
    compatVersion: m.version ?? 1,
    priority: CEPH_MSG_PRIO_DEFAULT,
    tid: 0n,
    dataOff: 0,
    front: empty,
    middle: empty,
    data: empty,
    ...m,
  };
}

export function messageBytes(m: CephMessage): number {
  return m.front.length + m.middle.length + messageDataBytes(m);
}

/** Bytes of the data segment, without joining its parts. */
export function messageDataBytes(m: CephMessage): number {
  if (!m.dataParts) return m.data.length;
  let n = 0;
  for (const p of m.dataParts) n += p.length;
  return n;
}

/**
 * Give `m` (a CephMessage or a codec's MessageBody) a data segment made of `parts` (see
 * CephMessage.dataParts). One part is just `data`. With more, `data` becomes an accessor: reading it
 * joins the parts once (and keeps the join), assigning it replaces the parts.
 */
export function withDataParts<M extends { data?: Buffer; dataParts?: readonly Buffer[] }>(m: M, parts: readonly Buffer[]): M {
  if (parts.length <= 1) {
    m.data = parts[0] ?? empty;
    delete m.dataParts;
    return m;
  }
  let joined: Buffer | undefined;
  // Not enumerable: a spread copy ({ ...m, data: other }) must not carry the parts along.
  Object.defineProperty(m, 'dataParts', { value: parts, writable: true, enumerable: false, configurable: true });
  Object.defineProperty(m, 'data', {
    enumerable: true,
    configurable: true,
    get: (): Buffer => (joined ??= Buffer.concat(parts)),
    set: (b: Buffer) => {
      Object.defineProperty(m, 'data', { value: b, writable: true, enumerable: true, configurable: true });
      delete m.dataParts;
    },
  });
  return m;
}
