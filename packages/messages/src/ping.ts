import { defineMessage } from './codec';
import { CEPH_MSG_PING } from './types';

/** MPing (src/messages/MPing.h): an empty liveness probe (librbd sends one with each watch ping). */
export type MPing = Record<string, never>;

export const MPingCodec = defineMessage<MPing>({
  type: CEPH_MSG_PING,
  name: 'ping',
  version: 1,
  compatVersion: 1,
  decode: () => ({}),
  encode: () => ({ front: Buffer.alloc(0) }),
});
