/**
 * The OSD life cycle commands (OSDMonitor::prepare_command_impl): `osd new` (with its cephx key),
 * `osd create`, `osd purge`.
 */
import { isUuid, UUID_NIL, EntityType } from '@ts-ceph/denc';
import { CryptoKey, capsBlob } from '@ts-ceph/cephx/core';
import { OsdState, CEPH_OSD_IN, exists, isUp, isDestroyed } from '@ts-ceph/maps';
import type { PaxosService } from '../paxos-service';
import { CommandOutcome, CommandRequest, fail, formatterFor, proposeThen, reply } from '../commands/types';
import { getBool, getInt, getStr } from '../commands/cmdmap';
import { OSDMonitor } from './osd-monitor';
import type { AuthMonitor } from '../auth/auth-monitor';
import { removeOsdFromCrush, setOsdDeviceClass } from './crush-edit';
import { allocateOsdId, identifyOsd, parseOsdId, pendingStateSet, removeOsd } from './osd-pending';

/** The output of `osd new` and `osd create`: the id, or `{"osdid": N}` under `created_osd`. */
function created(req: CommandRequest, id: number): string {
  const f = formatterFor(req);
  if (!f) return String(id);
  f.openObject('created_osd');
  f.dumpInt('osdid', id);
  f.close();
  return f.toString();
}

/** do_osd_create */
function doOsdCreate(osd: OSDMonitor, id: number, uuid: string, deviceClass: string): number {
  let newId = -1;
  const existing = uuid !== UUID_NIL ? identifyOsd(osd.osdmap, uuid) : -1;
  if (existing >= 0) newId = existing;
  else if (uuid !== UUID_NIL && id >= 0) newId = id;
  else {
    const a = allocateOsdId(osd);
    if (a.existing) newId = a.id;
    else {
      osd.pending.newMaxOsd = osd.pending.newMaxOsd < 0 ? osd.osdmap.maxOsd + 1 : osd.pending.newMaxOsd + 1;
      newId = osd.pending.newMaxOsd - 1;
    }
  }
  if (deviceClass) setOsdDeviceClass(osd, newId, deviceClass);
  if (osd.osdmap.maxOsd <= newId && osd.pending.newMaxOsd <= newId) osd.pending.newMaxOsd = newId + 1;
  osd.pending.newWeight.set(newId, CEPH_OSD_IN);
  pendingStateSet(osd, newId, OsdState.NEW);
  if (uuid !== UUID_NIL) osd.pending.newUuid.set(newId, uuid);
  return newId;
}

export function osdCreate(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const cmdId = getInt(req.cmdmap, 'id');
  if (cmdId !== undefined && cmdId < 0) return fail('EINVAL', `invalid osd id value '${cmdId}'`);
  const uuidStr = getStr(req.cmdmap, 'uuid');
  let uuid = UUID_NIL;
  let id = -1;
  if (uuidStr !== undefined) {
    if (!isUuid(uuidStr)) return fail('EINVAL', `invalid uuid value '${uuidStr}'`);
    uuid = uuidStr.toLowerCase();
    id = cmdId ?? -1;
    const existing = identifyOsd(osd.osdmap, uuid);
    if (existing >= 0) {
      if (id >= 0 && existing !== id) return fail('EEXIST', `uuid ${uuid} already in use for different id ${existing}`);
      return reply(0, '', created(req, existing));
    }
    if (id >= 0 && exists(osd.osdmap, id)) return fail('EINVAL', `id ${id} already in use and does not match uuid ${uuid}`);
  }
  const newId = doOsdCreate(osd, id, uuid, '');
  return proposeThen([osd], 0, '', created(req, newId));
}

/** The arguments of `osd new`: the uuid, the id asked for (-1: the first free one) and the JSON parameters. */
function osdNewArgs(req: CommandRequest): { uuid: string; id: number; params: Record<string, string> } | CommandOutcome {
  const uuidStr = getStr(req.cmdmap, 'uuid');
  if (uuidStr === undefined) return fail('EINVAL', "requires the OSD's UUID to be specified.");
  if (!isUuid(uuidStr)) return fail('EINVAL', `invalid UUID value '${uuidStr}'.`);
  const id = getInt(req.cmdmap, 'id', -1);
  if (req.cmdmap.has('id') && id < 0) return fail('EINVAL', 'invalid OSD id; must be greater or equal than zero.');
  let params: Record<string, string> = {};
  if (req.inbuf.length) {
    try {
      params = JSON.parse(req.inbuf.toString('utf8')) as Record<string, string>;
    } catch (e) {
      return fail('EINVAL', `unable to parse json: ${(e as Error).message}`);
    }
  }
  return { uuid: uuidStr.toLowerCase(), id, params };
}

/**
 * The cephx key `osd new` must add: undefined when no secret was given or the entity already has
 * this one; an error when the entity exists with another key.
 */
function osdNewKey(auth: AuthMonitor, id: number, secret: string | undefined, idempotent: boolean): CryptoKey | undefined | CommandOutcome {
  if (secret === undefined) return undefined;
  let key: CryptoKey;
  try {
    key = CryptoKey.fromBase64(secret);
  } catch {
    return fail('EINVAL', 'invalid cephx secret.');
  }
  const cur = auth.getAuth({ type: EntityType.OSD, id: String(id) });
  if (cur && !cur.key.secret.equals(key.secret)) return fail('EEXIST', `entity osd.${id} exists but key does not match`);
  if (idempotent && !cur) return fail('EEXIST', `osd.${id} exists but secrets do not match`);
  return cur ? undefined : key;
}

export function osdNew(osd: OSDMonitor, auth: AuthMonitor, req: CommandRequest): CommandOutcome {
  const args = osdNewArgs(req);
  if (!('uuid' in args)) return args;
  const { uuid, params } = args;
  let id = args.id;
  const m = osd.osdmap;
  const recreate = id >= 0 && isDestroyed(m, id);
  let idempotent = false;
  const existing = identifyOsd(m, uuid);
  if (existing >= 0) {
    if (id >= 0 && existing !== id) return fail('EEXIST', `uuid ${uuid} already in use for different id ${existing}`);
    idempotent = true;
    id = existing;
  } else if (id >= 0 && !recreate && exists(m, id)) {
    return fail('EINVAL', `id ${id} already in use and does not match uuid ${uuid}`);
  }
  if (!idempotent && id < 0) id = allocateOsdId(osd).id;
  const key = osdNewKey(auth, id, params.cephx_secret, idempotent);
  if (key !== undefined && !(key instanceof CryptoKey)) return key;
  if (idempotent) return reply(0, '', created(req, id));
  if (key) {
    const caps = new Map([
      ['mgr', capsBlob('allow profile osd')],
      ['mon', capsBlob('allow profile osd')],
      ['osd', capsBlob('allow *')],
    ]);
    auth.addEntity({ type: EntityType.OSD, id: String(id) }, { key, caps });
  }
  if (recreate) {
    pendingStateSet(osd, id, OsdState.DESTROYED | ((m.osdState[id]! & OsdState.NEW) === 0 ? OsdState.NEW : 0) | (m.osdState[id]! & OsdState.UP));
    osd.pending.newUuid.set(id, uuid);
  } else doOsdCreate(osd, id, uuid, params.crush_device_class ?? '');
  return proposeThen(key ? [osd, auth] : [osd], 0, '', created(req, id));
}

/** `osd purge` and `osd purge-actual`: out of CRUSH, out of auth, out of the map. */
export function osdPurge(osd: OSDMonitor, auth: AuthMonitor, req: CommandRequest): CommandOutcome {
  const id = parseOsdId(String(req.cmdmap.get('id') ?? ''));
  if (id < 0) return fail('EINVAL', 'no osd id specified');
  if (!getBool(req.cmdmap, 'yes_i_really_mean_it')) {
    return fail('EPERM', "Are you SURE?  Did you verify with 'ceph osd safe-to-destroy'?  This will mean real, permanent data loss, as well as deletion of cephx and lockbox keys. Pass --yes-i-really-mean-it if you really do.");
  }
  if (!exists(osd.osdmap, id)) return reply(0, `osd.${id} does not exist`);
  if (isUp(osd.osdmap, id)) return fail('EBUSY', `osd.${id} is not \`down\`.`);
  removeOsdFromCrush(osd, id);
  const name = { type: EntityType.OSD, id: String(id) };
  const services: PaxosService[] = [osd];
  if (auth.contains(name)) {
    auth.removeEntity(name);
    services.push(auth);
  }
  removeOsd(osd, id);
  return proposeThen(services, 0, `purged osd.${id}`);
}
