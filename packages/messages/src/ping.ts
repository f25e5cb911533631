import { defineMessage } from './codec';
import { CEPH_MSG_PING } from './types';

/**
 * MPing (src/messages/MPing.h): a liveness probe (librbd sends one with each watch ping, librados'
 * ping_monitor one to a monitor). MPing encodes nothing itself, but Monitor::handle_ping sets the
 * reply's payload by hand to an encoded string (the health and mon_status JSON), so the front is
 * carried as raw bytes: empty in a probe, that string in a monitor's answer.
 */
export interface MPing {
  front?: Buffer;
}

export const MPingCodec = defineMessage<MPing>({
  type: CEPH_MSG_PING,
  name: 'ping',
  version: 1,
  compatVersion: 1,
  decode: (m) => (m.front.length ? { front: Buffer.from(m.front) } : {}),
  encode: (p) => ({ front: p.front ?? Buffer.alloc(0) }),
});
