/**
 * MPing at the mon (Monitor::handle_ping): librados' ping_monitor (`ceph ping mon.X`) sends an empty
 * MPing and waits for one back whose payload is the encoded "pong" JSON, the health report and
 * mon_status. No caps are checked, as in Ceph: every authenticated peer may ping.
 */
import { Writer } from '@ts-ceph/denc';
import { messageTypes } from '@ts-ceph/messenger';
import { CEPH_MSG_PING, MPingCodec } from '@ts-ceph/messages';
import type { ClusterView } from '../core/mon/cluster-view';
import { SessionFeatures, pongText } from '../core/mon/mon-status';
import type { MonHandler } from './handler';

/** What the MPing handler uses of the monitor. */
export interface PingContext {
  readonly view: ClusterView;
  peerFeatures(): Iterable<SessionFeatures>;
  now(): number;
}

const onPing: MonHandler<PingContext> = (ctx, con) => {
  const front = new Writer().string(pongText(ctx.view, ctx.peerFeatures(), ctx.now())).finish();
  con.send(messageTypes.build(MPingCodec, { front }, { features: con.features }));
};

export const pingHandlers: Record<number, MonHandler<PingContext>> = {
  [CEPH_MSG_PING]: onPing,
};
