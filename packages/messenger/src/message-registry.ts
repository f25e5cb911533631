import { cephError } from '@ts-ceph/common/core';
import { CEPH_FEATURES_ALL } from '@ts-ceph/denc';
import { CephMessage, withDataParts } from './core/message';
import { CEPH_MSG_PRIO_DEFAULT } from './core/tags';

/**
 * The message-type registry (Ceph's decode_message switch, src/msg/Message.cc): type number →
 * payload codec. packages/messages registers one codec per message (and mon/osd code their own);
 * the messenger decodes an incoming message with it before dispatch. A type nobody registered is
 * delivered raw (payload undefined), never an error; a registered type that fails to decode faults
 * the connection, as Ceph does.
 */
export interface MessageBody {
  front: Buffer;
  middle?: Buffer;
  data?: Buffer;
  /** The data segment as several buffers, sent where they lie (instead of `data`; CephMessage.dataParts). */
  dataParts?: readonly Buffer[];
  /** Override the codec's header version for this instance (feature-dependent encodings). */
  version?: number;
  compatVersion?: number;
}

export interface MessageCodec<T = unknown> {
  /** CEPH_MSG_* / MSG_* type number. */
  readonly type: number;
  /** Ceph's get_type_name(), e.g. "mon_command". */
  readonly name: string;
  /** HEAD_VERSION / COMPAT_VERSION of the message class. */
  readonly version: number;
  readonly compatVersion: number;
  /** Default priority (most messages: CEPH_MSG_PRIO_DEFAULT). */
  readonly priority?: number;
  /** Decode front/middle/data; `msg.version` is the sender's header version. Throw DencError on bad input. */
  decode(msg: CephMessage, features: bigint): T;
  encode(payload: T, features: bigint): MessageBody;
  /** Ceph's operator<< summary for logs. */
  describe?(payload: T): string;
}

export class MessageRegistry {
  private readonly codecs = new Map<number, MessageCodec<unknown>>();

  register<T>(c: MessageCodec<T>): MessageCodec<T> {
    const old = this.codecs.get(c.type);
    if (old && old !== c) throw new Error(`message type ${c.type} registered twice (${old.name}, ${c.name})`);
    this.codecs.set(c.type, c as MessageCodec<unknown>);
    return c;
  }

  get(type: number): MessageCodec<unknown> | undefined {
    return this.codecs.get(type);
  }

  all(): MessageCodec<unknown>[] {
    return [...this.codecs.values()].sort((a, b) => a.type - b.type);
  }

  name(type: number): string {
    return this.codecs.get(type)?.name ?? `type ${type}`;
  }

  /** The typed payload of `msg`, or undefined for an unregistered type. Throws DencError. */
  decode(msg: CephMessage, features: bigint = CEPH_FEATURES_ALL): unknown {
    const c = this.codecs.get(msg.type);
    return c ? c.decode(msg, features) : undefined;
  }

  /** Build a message of a registered type. */
  build<T>(c: MessageCodec<T>, payload: T, opts: { tid?: bigint; priority?: number; features?: bigint } = {}): CephMessage {
    const body = c.encode(payload, opts.features ?? CEPH_FEATURES_ALL);
    const m: CephMessage = {
      type: c.type,
      version: body.version ?? c.version,
      compatVersion: body.compatVersion ?? c.compatVersion,
      priority: opts.priority ?? c.priority ?? CEPH_MSG_PRIO_DEFAULT,
      tid: opts.tid ?? 0n,
      dataOff: 0,
      front: body.front,
      middle: body.middle ?? Buffer.alloc(0),
      // Parts are passed on as they are: reading body.data would join them.
      data: body.dataParts ? Buffer.alloc(0) : (body.data ?? Buffer.alloc(0)),
    };
    return body.dataParts ? withDataParts(m, body.dataParts) : m;
  }

  buildByType(type: number, payload: unknown, opts?: { tid?: bigint; priority?: number; features?: bigint }): CephMessage {
    const c = this.codecs.get(type);
    if (!c) throw cephError('EINVAL', `no codec registered for message type ${type}`);
    return this.build(c, payload, opts);
  }
}

/** The process-wide registry packages register into (packages/messages does so on import). */
export const messageTypes = new MessageRegistry();
