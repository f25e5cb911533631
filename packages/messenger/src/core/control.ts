import { cephError } from '@ts-ceph/common/core';
import {
  decodeEntityAddr,
  decodeEntityAddrvec,
  decodeUTime,
  encodeEntityAddr,
  encodeEntityAddrvec,
  encodeUTime,
  EntityAddr,
  EntityAddrvec,
  featureMask,
  Reader,
  UTime,
  Writer,
} from '@ts-ceph/denc';
import { Tag } from './tags';

/**
 * Payloads of the msgr2 control frames (src/msg/async/frames_v2.h, the ControlFrame subclasses):
 * each is a plain concatenation of its fields with Ceph's encoding, no envelope. Addresses are
 * encoded as if the peer had MSG_ADDR2 and SERVER_NAUTILUS (msgr2_frame_assumed), whatever its real
 * features. Like Ceph's ControlFrame::Decode we ignore bytes after the last field.
 */
export const MSGR2_FRAME_ASSUMED_FEATURES = featureMask('MSG_ADDR2') | featureMask('SERVER_NAUTILUS');
/** msgr2_required: the Ceph features every msgr2 peer must have (to encode an entity_addrvec_t). */
export const MSGR2_REQUIRED_FEATURES = featureMask('MSG_ADDR2');

/** sha256_digest_t: 32 raw bytes. */
export const SHA256_DIGEST_BYTES = 32;

export type ControlFrame =
  | { tag: typeof Tag.HELLO; entityType: number; peerAddr: EntityAddr }
  | { tag: typeof Tag.AUTH_REQUEST; method: number; preferredModes: number[]; payload: Buffer }
  | { tag: typeof Tag.AUTH_BAD_METHOD; method: number; result: number; allowedMethods: number[]; allowedModes: number[] }
  | { tag: typeof Tag.AUTH_REPLY_MORE; payload: Buffer }
  | { tag: typeof Tag.AUTH_REQUEST_MORE; payload: Buffer }
  | { tag: typeof Tag.AUTH_DONE; globalId: bigint; conMode: number; payload: Buffer }
  | { tag: typeof Tag.AUTH_SIGNATURE; signature: Buffer }
  | { tag: typeof Tag.CLIENT_IDENT; addrs: EntityAddrvec; targetAddr: EntityAddr; gid: bigint; globalSeq: number; supportedFeatures: bigint; requiredFeatures: bigint; flags: bigint; cookie: bigint }
  | { tag: typeof Tag.SERVER_IDENT; addrs: EntityAddrvec; gid: bigint; globalSeq: number; supportedFeatures: bigint; requiredFeatures: bigint; flags: bigint; cookie: bigint }
  | { tag: typeof Tag.IDENT_MISSING_FEATURES; features: bigint }
  | { tag: typeof Tag.SESSION_RECONNECT; addrs: EntityAddrvec; clientCookie: bigint; serverCookie: bigint; globalSeq: number; connectSeq: number; msgSeq: number }
  | { tag: typeof Tag.SESSION_RESET; full: boolean }
  | { tag: typeof Tag.SESSION_RETRY; connectSeq: number }
  | { tag: typeof Tag.SESSION_RETRY_GLOBAL; globalSeq: number }
  | { tag: typeof Tag.SESSION_RECONNECT_OK; msgSeq: number }
  | { tag: typeof Tag.WAIT }
  | { tag: typeof Tag.KEEPALIVE2; timestamp: UTime }
  | { tag: typeof Tag.KEEPALIVE2_ACK; timestamp: UTime }
  | { tag: typeof Tag.ACK; seq: number };

const u32list = (r: Reader, field: string) => r.list(field, (rr) => rr.u32(), 4);

export function encodeControl(f: ControlFrame): Buffer {
  const w = new Writer(MSGR2_FRAME_ASSUMED_FEATURES, 64);
  switch (f.tag) {
    case Tag.HELLO:
      w.u8(f.entityType);
      encodeEntityAddr(w, f.peerAddr);
      break;
    case Tag.AUTH_REQUEST:
      w.u32(f.method).list(f.preferredModes, (ww, m) => ww.u32(m)).blob(f.payload);
      break;
    case Tag.AUTH_BAD_METHOD:
      w.u32(f.method).i32(f.result);
      w.list(f.allowedMethods, (ww, m) => ww.u32(m)).list(f.allowedModes, (ww, m) => ww.u32(m));
      break;
    case Tag.AUTH_REPLY_MORE:
    case Tag.AUTH_REQUEST_MORE:
      w.blob(f.payload);
      break;
    case Tag.AUTH_DONE:
      w.u64(f.globalId).u32(f.conMode).blob(f.payload);
      break;
    case Tag.AUTH_SIGNATURE:
      w.bytes(f.signature);
      break;
    case Tag.CLIENT_IDENT:
      encodeEntityAddrvec(w, f.addrs);
      encodeEntityAddr(w, f.targetAddr);
      w.i64(f.gid).u64(f.globalSeq).u64(f.supportedFeatures).u64(f.requiredFeatures).u64(f.flags).u64(f.cookie);
      break;
    case Tag.SERVER_IDENT:
      encodeEntityAddrvec(w, f.addrs);
      w.i64(f.gid).u64(f.globalSeq).u64(f.supportedFeatures).u64(f.requiredFeatures).u64(f.flags).u64(f.cookie);
      break;
    case Tag.IDENT_MISSING_FEATURES:
      w.u64(f.features);
      break;
    case Tag.SESSION_RECONNECT:
      encodeEntityAddrvec(w, f.addrs);
      w.u64(f.clientCookie).u64(f.serverCookie).u64(f.globalSeq).u64(f.connectSeq).u64(f.msgSeq);
      break;
    case Tag.SESSION_RESET:
      w.bool(f.full);
      break;
    case Tag.SESSION_RETRY:
      w.u64(f.connectSeq);
      break;
    case Tag.SESSION_RETRY_GLOBAL:
      w.u64(f.globalSeq);
      break;
    case Tag.SESSION_RECONNECT_OK:
      w.u64(f.msgSeq);
      break;
    case Tag.WAIT:
      break;
    case Tag.KEEPALIVE2:
    case Tag.KEEPALIVE2_ACK:
      encodeUTime(w, f.timestamp);
      break;
    case Tag.ACK:
      w.u64(f.seq);
      break;
  }
  return w.finish();
}

/** Decode the payload of a control frame; throws DencError on a short or malformed payload. */
export function decodeControl(tag: number, payload: Buffer): ControlFrame {
  const r = new Reader(payload);
  return r.within(`frame ${tag}`, (): ControlFrame => {
    switch (tag) {
      case Tag.HELLO:
        return { tag, entityType: r.u8('entity_type'), peerAddr: decodeEntityAddr(r, 'peer_addr') };
      case Tag.AUTH_REQUEST:
        return { tag, method: r.u32('method'), preferredModes: u32list(r, 'preferred_modes'), payload: r.blob('auth_payload') };
      case Tag.AUTH_BAD_METHOD:
        return { tag, method: r.u32('method'), result: r.i32('result'), allowedMethods: u32list(r, 'allowed_methods'), allowedModes: u32list(r, 'allowed_modes') };
      case Tag.AUTH_REPLY_MORE:
      case Tag.AUTH_REQUEST_MORE:
        return { tag, payload: r.blob('auth_payload') };
      case Tag.AUTH_DONE:
        return { tag, globalId: r.u64('global_id'), conMode: r.u32('con_mode'), payload: r.blob('auth_payload') };
      case Tag.AUTH_SIGNATURE:
        return { tag, signature: r.bytes(SHA256_DIGEST_BYTES, 'signature') };
      case Tag.CLIENT_IDENT:
        return {
          tag,
          addrs: decodeEntityAddrvec(r, 'addrs'),
          targetAddr: decodeEntityAddr(r, 'target_addr'),
          gid: r.i64('gid'),
          globalSeq: r.u64n('global_seq'),
          supportedFeatures: r.u64('supported_features'),
          requiredFeatures: r.u64('required_features'),
          flags: r.u64('flags'),
          cookie: r.u64('cookie'),
        };
      case Tag.SERVER_IDENT:
        return {
          tag,
          addrs: decodeEntityAddrvec(r, 'addrs'),
          gid: r.i64('gid'),
          globalSeq: r.u64n('global_seq'),
          supportedFeatures: r.u64('supported_features'),
          requiredFeatures: r.u64('required_features'),
          flags: r.u64('flags'),
          cookie: r.u64('cookie'),
        };
      case Tag.IDENT_MISSING_FEATURES:
        return { tag, features: r.u64('features') };
      case Tag.SESSION_RECONNECT:
        return {
          tag,
          addrs: decodeEntityAddrvec(r, 'addrs'),
          clientCookie: r.u64('client_cookie'),
          serverCookie: r.u64('server_cookie'),
          globalSeq: r.u64n('global_seq'),
          connectSeq: r.u64n('connect_seq'),
          msgSeq: r.u64n('msg_seq'),
        };
      case Tag.SESSION_RESET:
        return { tag, full: r.bool('full') };
      case Tag.SESSION_RETRY:
        return { tag, connectSeq: r.u64n('connect_seq') };
      case Tag.SESSION_RETRY_GLOBAL:
        return { tag, globalSeq: r.u64n('global_seq') };
      case Tag.SESSION_RECONNECT_OK:
        return { tag, msgSeq: r.u64n('msg_seq') };
      case Tag.WAIT:
        return { tag };
      case Tag.KEEPALIVE2:
      case Tag.KEEPALIVE2_ACK:
        return { tag, timestamp: decodeUTime(r, 'timestamp') };
      case Tag.ACK:
        return { tag, seq: r.u64n('seq') };
      default:
        throw cephError('EBADMSG', `unknown frame tag ${tag}`);
    }
  });
}
