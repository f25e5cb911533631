/**
 * Named limits of the message codecs (STYLE §11; docs/LIMITS.md, "messages"). The denc Reader already
 * refuses counts that cannot fit the bytes left; these bound what a well-formed hostile message
 * could still make a daemon hold.
 */
export const messagesLimits = {
  /** Strings in MMonCommand/MMonCommandAck.cmd (a real client sends one JSON string). */
  monCommandArgsMax: 256,
  /** Entries in an MMonSubscribe (Ceph clients subscribe to a handful of maps). */
  subscribeItemsMax: 64,
  /** Options in one MConfig. */
  configKeysMax: 65536,
  /** Maps (full plus incremental) in one MOSDMap (osd_map_message_max defaults to 40). */
  osdMapsPerMessageMax: 4096,
  /** Entries in an MOSDBoot metadata map (a real OSD sends about 50). */
  osdBootMetadataMax: 1024,
  /** PGs in an MOSDBeacon or MOSDPGTemp (an OSD is primary of at most a few thousand). */
  osdPgsPerMessageMax: 65536,
  /** OSDs in one pg_temp entry (a pool size is at most a few dozen). */
  pgTempOsdsMax: 256,
  /** MOSDPing padding (Ceph pads to osd_heartbeat_min_size, 2000 by default; jumbo frames need under 9000). */
  osdPingPadBytesMax: 65536,
  /** Bytes of one ts_osd_peer payload (a replicated write of an object up to osd_max_object_size plus its log entry). */
  tsOsdPeerPayloadBytesMax: 160 * 1024 * 1024,
  /** Keys in an MMgrOpen/MMgrReport metadata or status map (an OSD sends about 50). */
  mgrStatusKeysMax: 4096,
  /** Perf counter schemas declared in one MMgrReport (an OSD declares a few hundred). */
  perfCountersPerReportMax: 65536,
};
