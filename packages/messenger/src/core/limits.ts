/**
 * Named limits of the msgr2 codec and handshake (STYLE §11), listed in docs/LIMITS.md under
 * "messenger". Every length a peer announces is checked against these before a byte of it is
 * buffered or allocated, so a hostile preamble cannot make us reserve memory.
 *
 * Ceph itself has no frame-size cap (its throttlers bound memory instead); these values are chosen
 * well above anything a 16.2 peer sends: the largest OSD write (osd_max_write_size 90 MiB) fits a
 * MESSAGE frame, and cephx's largest AUTH_DONE (tickets for every service) is a few KiB.
 */
export const msgrLimits = {
  /** Largest payload segment of a control frame (every tag but MESSAGE). */
  controlFrameBytesMax: 1 << 20,
  /** Largest sum of the four segments of a MESSAGE frame. */
  messageFrameBytesMax: 128 << 20,
  /** Largest banner payload we read (Ceph sends 16 bytes: two le64 feature masks). */
  bannerPayloadBytesMax: 4096,
  /** Most AUTH_REQUEST_MORE rounds in one handshake (cephx needs one). */
  authRoundsMax: 8,
  /** Most AUTH_BAD_METHOD retries a client makes before giving up. */
  authRetriesMax: 4,
  /** Largest pre-auth transcript (every byte before AUTH_SIGNATURE) we keep for the HMAC. */
  preAuthBytesMax: 4 << 20,
  /** Most session-reconnect exchanges (RETRY / RETRY_GLOBAL) on one connection. */
  reconnectRoundsMax: 16,
  /** Most messages waiting in one session's outgoing queue plus its unacknowledged sent list. */
  outQueueMessagesMax: 65536,
};

export type MsgrLimits = typeof msgrLimits;
