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
  /**
   * Largest pre-auth transcript (every byte before AUTH_SIGNATURE) we keep for the HMAC, each
   * direction. A real handshake is a few KiB (tickets with long caps: a few hundred KiB at most).
   */
  preAuthBytesMax: 1 << 20,
  /**
   * Largest frame (all segments) accepted before the session is READY, checked on the preamble. No
   * handshake frame comes near it; without it a peer that has not authenticated could make us buffer
   * a controlFrameBytesMax frame, and MESSAGE frames (refused before READY anyway) 128 MiB.
   */
  handshakeFrameBytesMax: 256 << 10,
  /** Most session-reconnect exchanges (RETRY / RETRY_GLOBAL) on one connection. */
  reconnectRoundsMax: 16,
  /** Most messages waiting in one session's outgoing queue plus its unacknowledged sent list. */
  outQueueMessagesMax: 65536,
  /**
   * Most bytes held for one peer: messages queued, sent but unacknowledged (lossless), and the
   * transport's unsent write backlog. A peer that stops reading is disconnected once it is exceeded
   * (a lossless session refuses further messages with EAGAIN instead of growing). Above one largest
   * MESSAGE frame plus the TCP high-water mark, so a slow but live reader is never cut off mid-message.
   */
  outQueueBytesMax: 256 << 20,
  /**
   * Messenger: most accepted connections that have not finished their handshake at once; more are
   * closed as they arrive (a flood of half-open connections costs at most this many times
   * preAuthBytesMax + handshakeFrameBytesMax).
   */
  handshakeConnectionsMax: 512,
  /**
   * Messenger: most accepted connections from one source IP address in their handshake at once; a
   * newcomer over it evicts that address's oldest unauthenticated handshake (core/admission.ts), so a
   * flood from one address displaces only itself. Above what one host's daemons and clients open to
   * one daemon at once (a restarted mon sees every OSD and client of the host reconnect).
   */
  handshakesPerAddrMax: 64,
  /**
   * Rate-limited logs (common's EventSummary): most distinct source addresses named in one summary
   * line; the rest are counted together, so a spoofed-address flood cannot make the line or the
   * table behind it grow.
   */
  summaryKeysMax: 16,
  /**
   * Messenger: evicted or HELLO-less handshakes whose sockets are held open and unread (ParkingLot)
   * instead of being closed, which a flood answers by reconnecting at once; beyond it the oldest
   * parked socket is closed. Each holds a file descriptor: run the daemons with a file limit well
   * above this plus handshakeConnectionsMax (Ceph's systemd units set LimitNOFILE=1048576).
   */
  parkedConnectionsMax: 1024,
};

/**
 * Ceph's messenger timeouts (src/common/options.cc), the defaults of the MessengerOptions that carry
 * them. Ceph 16 arms ms_connection_ready_timeout only on the connecting side; we apply it to
 * accepted connections too, so a peer that connects and stalls is closed.
 */
export const msgrTimeouts = {
  /** ms_connection_ready_timeout: a handshake (TCP connect included) must finish within this. */
  connectionReadyTimeoutMs: 10_000,
  /** ms_connection_idle_timeout: a READY connection with no traffic either way for this long faults. */
  connectionIdleTimeoutMs: 900_000,
  /**
   * An accepted connection must send a valid banner and HELLO within this (a real client sends both
   * at once, right after connecting); the full handshake deadline applies after it. Short, so a
   * connection held open without a word costs a slot for seconds, not for the full 10 s.
   */
  helloTimeoutMs: 2_000,
  /** How long an evicted handshake's socket stays parked (open, unread) before it is closed. */
  parkedHoldMs: 10_000,
  /** Interval of the messenger's summary lines of refused, evicted and failed handshakes and auth failures. */
  summaryIntervalMs: 10_000,
};

export type MsgrLimits = typeof msgrLimits;
