import { networkInterfaces } from 'node:os';
import { CephConf, Clock, cephError } from '@ts-ceph/common';
import { EntityType } from '@ts-ceph/denc';
import { AuthRegistry, CephxServiceServerProvider, RotatingKeyRing, cryptoRandom } from '@ts-ceph/cephx';
import { AuthClientProvider, Messenger, Policies } from '@ts-ceph/messenger';

/**
 * The OSD's messengers besides the public one (Ceph's ms_cluster, ms_hb_back_server,
 * ms_hb_front_server, ms_hb_back_client, ms_hb_front_client in ceph_osd.cc). Each authenticates
 * peers as the public messenger does (cephx tickets checked against the OSD service's rotating
 * keys) and authenticates itself to other OSDs with an authorizer built from the OSD-service ticket
 * the MonClient holds, as MonClient::get_auth_request does for a daemon.
 */
export interface OsdNetDeps {
  id: number;
  clock: Clock;
  keys: RotatingKeyRing;
  registry: AuthRegistry;
  /** The auth provider of the current mon session (it holds the service tickets). */
  authClient: () => AuthClientProvider | undefined;
}

/** Outgoing OSD-to-OSD connections: lossy clients (a fault drops them; the next send reconnects). */
export const peerPolicy = Policies.lossyClient;

/** A lossy OSD-to-OSD messenger (lossy client out, stateless server in), named osd.<id>. */
export function osdPeerMessenger(deps: OsdNetDeps): Messenger {
  const m = new Messenger({
    entityType: EntityType.OSD,
    clock: deps.clock,
    authServer: new CephxServiceServerProvider({ rng: cryptoRandom, keys: deps.keys, registry: deps.registry }),
    authClient: () => {
      const a = deps.authClient();
      if (!a) throw cephError('EAGAIN', 'no mon session yet: no ticket to authenticate to another OSD');
      return a;
    },
    // Accepted connections: stateless servers (Ceph's hb servers); outgoing ones pass
    // `peerPolicy` to connectTo.
    defaultPolicy: Policies.statelessServer(),
  });
  // entity_name_t(OSD, whoami): peers see osd.<id> in CLIENT_IDENT, as Ceph's messengers are created.
  m.setMyGid(BigInt(deps.id));
  return m;
}

/** An IPv4 address as a number (for the cluster_network match). */
function ipv4(ip: string): number | undefined {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return undefined;
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

/** Does `ip` fall in `cidr` (a.b.c.d/n)? */
export function inNetwork(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.trim().split('/');
  const a = ipv4(ip);
  const b = ipv4(net ?? '');
  const n = Number(bits ?? 32);
  if (a === undefined || b === undefined || !Number.isInteger(n) || n < 0 || n > 32) return false;
  const mask = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
  return (a & mask) === (b & mask);
}

/** The host's IPv4 addresses, loopback included. */
function localIpv4s(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined && i.family === 'IPv4')
    .map((i) => i!.address);
}

/**
 * Where the cluster messenger binds (pick_addresses in src/common/pick_address.cc): cluster_addr
 * when set, else a local address inside cluster_network (the first of a comma list that matches),
 * else the public address (one host: 127.0.0.1 with a port of its own).
 */
export function clusterBindIp(conf: CephConf, entity: string, publicIp: string, localIps: () => string[] = localIpv4s): string {
  const addr = conf.get('cluster_addr', entity)?.replace(/^v\d:/, '').replace(/:.*$/, '');
  if (addr) return addr;
  const nets = conf.get('cluster_network', entity);
  if (!nets) return publicIp;
  const local = localIps();
  for (const cidr of nets.split(/[,\s]+/).filter(Boolean)) {
    const hit = local.find((ip) => inNetwork(ip, cidr));
    if (hit) return hit;
  }
  throw cephError('EINVAL', `no local address in cluster_network ${nets}`);
}
