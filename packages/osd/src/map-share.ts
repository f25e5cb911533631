import { logger } from '@ts-ceph/common';
import { formatEntityNameT } from '@ts-ceph/denc';
import { OSDMap, encodeOSDMap } from '@ts-ceph/maps';
import { Connection, messageTypes } from '@ts-ceph/messenger';
import { MOSDMapCodec } from '@ts-ceph/messages';
import { MapHistory } from './core/map-history';

const log = logger('osd');

/**
 * OSDService::maybe_share_map for client sessions: each connection's last epoch we know it has (the
 * newer of what its ops carried and what we sent it); when ours is newer we send the missing
 * incrementals, or our full map when we no longer have them, so librados learns pool changes
 * through the OSD as with a real one.
 */
export class MapSharer {
  readonly history = new MapHistory();
  private readonly lastSent = new WeakMap<Connection, number>();

  maybeShare(con: Connection, peerEpoch: number, map: OSDMap | undefined): void {
    if (!map) return;
    const since = Math.max(peerEpoch, this.lastSent.get(con) ?? 0);
    const plan = this.history.plan(since, map.epoch);
    if (plan.kind === 'none') return;
    const incrementalMaps = new Map<number, Buffer>();
    const maps = new Map<number, Buffer>();
    if (plan.kind === 'incrementals') for (const e of plan.epochs) incrementalMaps.set(e, this.history.incremental(e)!);
    else maps.set(map.epoch, encodeOSDMap(map, con.features));
    log.dout(10, `send_incremental_map ${since} -> ${map.epoch} to ${con.peerName ? formatEntityNameT(con.peerName) : 'peer'} (${plan.kind === 'full' ? 'full map' : `${incrementalMaps.size} incrementals`})`);
    try {
      const oldest = Math.min(map.epoch, this.history.oldestShareable);
      con.send(messageTypes.build(MOSDMapCodec, { fsid: map.fsid, incrementalMaps, maps, oldestMap: oldest, newestMap: map.epoch, gapRemovedSnaps: [] }, { features: con.features }));
      this.lastSent.set(con, map.epoch);
    } catch (e) {
      log.dout(1, `osd map not shared: ${(e as Error).message}`);
    }
  }
}
