import { cephError } from '@ts-ceph/common/core';
import { decodeEntityName, encodeEntityName, EntityName } from '@ts-ceph/denc';
import { CEPH_MSG_PRIO_HIGH } from '@ts-ceph/messenger/core';
import { defineMessage, readFront, writeFront } from './codec';
import { messagesLimits } from './limits';
import { byteOrder } from './mon-subscribe';
import { MSG_CONFIG, MSG_GET_CONFIG } from './types';

/** MConfig (src/messages/MConfig.h): the centralized config for this entity, name → value. */
export interface MConfig {
  config: Map<string, string>;
}

export const MConfigCodec = defineMessage<MConfig>({
  type: MSG_CONFIG,
  name: 'config',
  version: 1,
  compatVersion: 1,
  priority: CEPH_MSG_PRIO_HIGH,
  decode: (m) =>
    readFront(m, 'MConfig', (r) => {
      const n = r.count('config', 8);
      if (n > messagesLimits.configKeysMax) throw cephError('EINVAL', `MConfig with ${n} keys over configKeysMax ${messagesLimits.configKeysMax}`);
      const config = new Map<string, string>();
      for (let i = 0; i < n; i++) config.set(r.string('key'), r.string('value'));
      return { config };
    }),
  encode: (p) =>
    writeFront((w) => {
      const keys = [...p.config.keys()].sort(byteOrder);
      w.u32(keys.length);
      for (const k of keys) w.string(k).string(p.config.get(k)!);
    }),
  describe: (p) => `config(${p.config.size} keys)`,
});

/** MGetConfig: a daemon asks for its config before it has a mon session subscription. */
export interface MGetConfig {
  name: EntityName;
  host: string;
  deviceClass: string;
}

export const MGetConfigCodec = defineMessage<MGetConfig>({
  type: MSG_GET_CONFIG,
  name: 'get_config',
  version: 1,
  compatVersion: 1,
  decode: (m) => readFront(m, 'MGetConfig', (r) => ({ name: decodeEntityName(r, 'name'), host: r.string('host'), deviceClass: r.string('device_class') })),
  encode: (p) =>
    writeFront((w) => {
      encodeEntityName(w, p.name);
      w.string(p.host).string(p.deviceClass);
    }),
});
