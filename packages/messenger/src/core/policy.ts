import { CEPH_FEATURES_ALL } from '@ts-ceph/denc';

/**
 * Connection policy per peer type (src/msg/Policy.h): whether a session survives a fault
 * (lossless) or dies with its connection (lossy), and which side reconnects.
 *  - lossy: messages may be dropped on a fault; no ACK frames, no replay.
 *  - server: we never initiate a reconnect; a faulted lossless session waits (standby) for the peer.
 *  - standby: a lossless client with nothing to send waits instead of reconnecting.
 *  - resetcheck: a peer that comes back with a new client cookie is told its old session is gone.
 */
export interface Policy {
  lossy: boolean;
  server: boolean;
  standby: boolean;
  resetcheck: boolean;
  /** Server side: keep lossy client connections in the session directory too. */
  registerLossyClients: boolean;
  featuresSupported: bigint;
  featuresRequired: bigint;
}

const mk = (lossy: boolean, server: boolean, standby: boolean, resetcheck: boolean, registerLossyClients: boolean, featuresRequired: bigint): Policy => ({
  lossy,
  server,
  standby,
  resetcheck,
  registerLossyClients,
  featuresSupported: CEPH_FEATURES_ALL,
  featuresRequired,
});

/** The constructors of Policy.h, same flags. */
export const Policies = {
  /** A daemon serving lossless peers: keeps the session and waits for the peer to come back. */
  statefulServer: (req = 0n) => mk(false, true, true, true, true, req),
  statelessRegisteredServer: (req = 0n) => mk(true, true, false, false, true, req),
  /** A daemon serving librados clients (mon, osd public side): lossy, unregistered. */
  statelessServer: (req = 0n) => mk(true, true, false, false, false, req),
  /** Peers of equal rank (OSD-OSD): lossless, either side reconnects. */
  losslessPeer: (req = 0n) => mk(false, false, true, false, true, req),
  losslessPeerReuse: (req = 0n) => mk(false, false, true, true, true, req),
  /** librados sessions to mons and OSDs: lossy, the client reconnects itself. */
  lossyClient: (req = 0n) => mk(true, false, false, false, true, req),
  losslessClient: (req = 0n) => mk(false, false, false, true, true, req),
};
