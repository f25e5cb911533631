import { EntityType } from '@ts-ceph/denc';
import { AuthRegistry, CephxMonServerProvider, CryptoKey, cryptoRandom, entityCapsFromText, KeyRing, KeyServer } from '@ts-ceph/cephx';

/**
 * The bench's cephx server side: a key server that knows client.admin by `adminKey` and a mon
 * keyring of its own, answering in `mode` (crc or secure), as a monitor would.
 */
export function benchMonAuthServer(mode: 'crc' | 'secure', adminKey: CryptoKey): CephxMonServerProvider {
  const now = Date.now();
  const ks = new KeyServer({ rng: cryptoRandom });
  ks.addAuth({ type: EntityType.CLIENT, id: 'admin' }, { key: adminKey, caps: entityCapsFromText([['mon', 'allow *']]) });
  const monKeyring = new KeyRing();
  monKeyring.add({ type: EntityType.MON, id: '' }, { key: CryptoKey.generate(ks.rng, now), caps: entityCapsFromText([['mon', 'allow *']]) });
  ks.extraSecrets.import(monKeyring);
  ks.rotate(now);
  let gid = 5000n;
  const registry = new AuthRegistry(EntityType.MON, { msMonClientMode: mode, msMonServiceMode: mode });
  return new CephxMonServerProvider({ rng: cryptoRandom, keyServer: ks, monKeyring, registry, allocateGlobalId: () => gid++, now: () => Date.now() });
}
