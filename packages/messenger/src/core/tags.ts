/**
 * msgr2 frame tags (src/msg/async/frames_v2.h `enum class Tag`), and the protocol constants of
 * src/include/msgr.h that the frame layer needs.
 */
export const Tag = {
  HELLO: 1,
  AUTH_REQUEST: 2,
  AUTH_BAD_METHOD: 3,
  AUTH_REPLY_MORE: 4,
  AUTH_REQUEST_MORE: 5,
  AUTH_DONE: 6,
  AUTH_SIGNATURE: 7,
  CLIENT_IDENT: 8,
  SERVER_IDENT: 9,
  IDENT_MISSING_FEATURES: 10,
  SESSION_RECONNECT: 11,
  SESSION_RESET: 12,
  SESSION_RETRY: 13,
  SESSION_RETRY_GLOBAL: 14,
  SESSION_RECONNECT_OK: 15,
  WAIT: 16,
  MESSAGE: 17,
  KEEPALIVE2: 18,
  KEEPALIVE2_ACK: 19,
  ACK: 20,
} as const;

export type TagValue = (typeof Tag)[keyof typeof Tag];

const tagNames = new Map<number, string>(Object.entries(Tag).map(([k, v]) => [v, k]));

export function tagName(tag: number): string {
  return tagNames.get(tag) ?? `TAG_${tag}`;
}

export function isKnownTag(tag: number): tag is TagValue {
  return tagNames.has(tag);
}

/** CEPH_BANNER_V2_PREFIX: "ceph v2\n", then a le16 payload length. */
export const CEPH_BANNER_V2_PREFIX = Buffer.from('ceph v2\n', 'latin1');
/** The msgr1 banner, recognised only to say why we refuse the peer. */
export const CEPH_BANNER_V1 = Buffer.from('ceph v027', 'latin1');

/** CEPH_MSGR2_FEATURE_*: msgr2's own feature bits, exchanged in the banner. */
export const MSGR2_FEATURE_REVISION_1 = 1n << 0n;
/** Quincy's on-wire compression bit: a peer may offer it; we never do, so it is never used. */
export const MSGR2_FEATURE_COMPRESSION = 1n << 1n;
/** What our banner announces, exactly as Ceph 16.2 does: supported=REVISION_1, required=0. */
export const CEPH_MSGR2_SUPPORTED_FEATURES = MSGR2_FEATURE_REVISION_1;
export const CEPH_MSGR2_REQUIRED_FEATURES = 0n;
/**
 * What we insist on from the peer although the banner does not say so: we speak only msgr2.1, so a
 * msgr2.0 peer (no REVISION_1) is refused after the banner exchange.
 */
export const OUR_PEER_REQUIRED_FEATURES = MSGR2_FEATURE_REVISION_1;

/** CEPH_MSG_CONNECT_LOSSY: the CLIENT_IDENT/SERVER_IDENT flag of a lossy session. */
export const CEPH_MSG_CONNECT_LOSSY = 1n;

/** Message priorities (msgr.h CEPH_MSG_PRIO_*). */
export const CEPH_MSG_PRIO_LOW = 64;
export const CEPH_MSG_PRIO_DEFAULT = 127;
export const CEPH_MSG_PRIO_HIGH = 196;
export const CEPH_MSG_PRIO_HIGHEST = 255;

/** ceph_msg_footer flags, carried in ceph_msg_header2.flags. */
export const CEPH_MSG_FOOTER_COMPLETE = 1;
export const CEPH_MSG_FOOTER_NOCRC = 2;
export const CEPH_MSG_FOOTER_SIGNED = 4;
