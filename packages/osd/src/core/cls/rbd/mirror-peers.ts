import { cephError } from '@ts-ceph/common/core';
import { Reader, UTime, Writer, decodeUTime, encodeUTime } from '@ts-ceph/denc';
import { ClsContext } from '../context';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod } from '../registry';
import { valsWithPrefix } from './misc';
import { MIRROR_MODE } from './spec-types';
import { decodeInput, decodeStored, ifAbsent, readKeyOr, readString, readU32, removeKey } from './util';

/**
 * cls_rbd's mirroring peers on `rbd_mirroring` (src/cls/rbd/cls_rbd.cc, mirror::peer_add and the
 * mirror_peer_* methods): one `mirror_peer_<uuid>` key per peer site, a cls::rbd::MirrorPeer.
 * `rbd mirror pool peer add|remove|set` use them. mirror_peer_ping, which rbd-mirror calls and
 * which may invent a peer with a random uuid, is left out: ts-ceph runs no rbd-mirror.
 */

const RDWR = CLS_METHOD_RD | CLS_METHOD_WR;
export const PEER_KEY_PREFIX = 'mirror_peer_';

/** The most peers read back (Ceph pages through all of them; a pool has a handful). */
export const rbdMirrorPeersMax = 1024;

/** cls::rbd::MirrorPeerDirection (a u8). */
export const MIRROR_PEER_DIRECTION = { RX: 0, TX: 1, RX_TX: 2 } as const;

/**
 * cls::rbd::MirrorPeer: ENCODE_START(2, 1), string uuid, site_name, client_name, i64 pool_id (always
 * -1 since Nautilus), then (v2) u8 direction, string mirror_uuid, utime_t last_seen.
 */
export interface MirrorPeer {
  uuid: string;
  siteName: string;
  clientName: string;
  direction: number;
  mirrorUuid: string;
  lastSeen: UTime;
}

export function encodeMirrorPeer(w: Writer, p: MirrorPeer): void {
  w.envelope(2, 1, () => {
    w.string(p.uuid).string(p.siteName).string(p.clientName).i64(-1n);
    w.u8(p.direction).string(p.mirrorUuid);
    encodeUTime(w, p.lastSeen);
  });
}

export function decodeMirrorPeer(r: Reader): MirrorPeer {
  return r.envelope('cls::rbd::MirrorPeer', 2, (r, v) => {
    const uuid = r.string('uuid');
    const siteName = r.string('site_name');
    const clientName = r.string('client_name');
    r.i64('pool_id');
    if (v < 2) return { uuid, siteName, clientName, direction: MIRROR_PEER_DIRECTION.RX_TX, mirrorUuid: '', lastSeen: { sec: 0, nsec: 0 } };
    return { uuid, siteName, clientName, direction: r.u8('direction'), mirrorUuid: r.string('mirror_uuid'), lastSeen: decodeUTime(r, 'last_seen') };
  });
}

/** MirrorPeer::is_valid: a known direction, a client for a receiving peer, a uuid and a site name. */
function peerValid(p: MirrorPeer): boolean {
  if (p.direction === MIRROR_PEER_DIRECTION.RX || p.direction === MIRROR_PEER_DIRECTION.RX_TX) {
    if (p.clientName === '') return false;
  } else if (p.direction !== MIRROR_PEER_DIRECTION.TX) {
    return false;
  }
  return p.uuid !== '' && p.siteName !== '';
}

/** read_peers: every stored peer in key order; EIO for one that does not decode, [] without the object. */
export async function readPeers(ctx: ClsContext): Promise<MirrorPeer[]> {
  const vals = await valsWithPrefix(ctx, PEER_KEY_PREFIX, rbdMirrorPeersMax).catch(ifAbsent<[string, Buffer][]>([]));
  return vals.map(([k, v]) => decodeStored(k, v, decodeMirrorPeer, ctx));
}

async function readPeer(ctx: ClsContext, uuid: string): Promise<MirrorPeer> {
  const key = PEER_KEY_PREFIX + uuid;
  return decodeStored(key, await ctx.mapGetVal(key), decodeMirrorPeer, ctx);
}

async function writePeer(ctx: ClsContext, p: MirrorPeer): Promise<void> {
  const w = new Writer();
  encodeMirrorPeer(w, p);
  await ctx.mapSetVal(PEER_KEY_PREFIX + p.uuid, w.finish());
}

/** check_mirroring_enabled: EINVAL unless the pool's mirror mode is image or pool. */
async function checkMirroringEnabled(ctx: ClsContext): Promise<void> {
  const mode = await readKeyOr(ctx, 'mirror_mode', readU32, MIRROR_MODE.DISABLED);
  if (mode === MIRROR_MODE.DISABLED) throw cephError('EINVAL', 'cls_rbd: mirroring must be enabled on the pool');
}

/**
 * mirror_peer_add(MirrorPeer): mirroring enabled, a valid peer that is not this pool's own uuid and
 * not TX-only (EINVAL); ESTALE for a uuid already there, EEXIST for a taken site name or mirror uuid.
 */
async function peerAdd(ctx: ClsContext, input: Buffer): Promise<void> {
  const peer = decodeInput(input, decodeMirrorPeer);
  await checkMirroringEnabled(ctx);
  if (!peerValid(peer)) throw cephError('EINVAL', 'cls_rbd: mirror peer is not valid');
  const ownUuid = (await ctx.mapGetVal('mirror_uuid')).toString('utf8');
  if (peer.uuid === ownUuid) throw cephError('EINVAL', `cls_rbd: peer uuid ${peer.uuid} matches the pool's mirroring uuid`);
  if (peer.direction === MIRROR_PEER_DIRECTION.TX) throw cephError('EINVAL', `cls_rbd: peer ${peer.uuid} cannot be TX-only`);
  for (const p of await readPeers(ctx)) {
    if (p.uuid === peer.uuid) throw cephError('ESTALE', `cls_rbd: peer uuid ${p.uuid} already exists`);
    if (p.siteName === peer.siteName) throw cephError('EEXIST', `cls_rbd: peer site name ${p.siteName} already exists`);
    if (peer.mirrorUuid !== '' && p.mirrorUuid === peer.mirrorUuid) throw cephError('EEXIST', `cls_rbd: peer mirror uuid ${p.mirrorUuid} already exists`);
  }
  await writePeer(ctx, peer);
}

/** mirror_peer_remove(uuid): removing a peer that is not there succeeds. */
async function peerRemove(ctx: ClsContext, input: Buffer): Promise<void> {
  await removeKey(ctx, PEER_KEY_PREFIX + decodeInput(input, readString));
}

/** mirror_peer_set_client(uuid, client name) and set_direction(uuid, u8): ENOENT for an unknown peer. */
function peerSet(field: 'clientName' | 'direction'): ClsMethod['fn'] {
  return async (ctx, input) => {
    const a = decodeInput(input, (r) => ({ uuid: r.string('uuid'), value: field === 'clientName' ? r.string('client_name') : r.u8('direction') }));
    const peer = await readPeer(ctx, a.uuid);
    await writePeer(ctx, { ...peer, [field]: a.value });
  };
}

/** mirror_peer_set_cluster(uuid, site name): ENOENT for an unknown peer, EEXIST for a name another peer has. */
async function peerSetCluster(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({ uuid: r.string('uuid'), siteName: r.string('site_name') }));
  let found: MirrorPeer | undefined;
  for (const p of await readPeers(ctx)) {
    if (p.uuid === a.uuid) found = p;
    else if (p.siteName === a.siteName) throw cephError('EEXIST', `cls_rbd: site name ${a.siteName} is taken`);
  }
  if (!found) throw cephError('ENOENT', `cls_rbd: no mirror peer ${a.uuid}`);
  await writePeer(ctx, { ...found, siteName: a.siteName });
}

export const mirrorPeerMethods: Readonly<Record<string, ClsMethod>> = {
  mirror_peer_add: { flags: RDWR, fn: peerAdd },
  mirror_peer_remove: { flags: RDWR, fn: peerRemove },
  mirror_peer_set_client: { flags: RDWR, fn: peerSet('clientName') },
  mirror_peer_set_cluster: { flags: RDWR, fn: peerSetCluster },
  mirror_peer_set_direction: { flags: RDWR, fn: peerSet('direction') },
};
