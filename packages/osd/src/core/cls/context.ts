import { EntityAddr, EntityNameT, UTime } from '@ts-ceph/denc';

/** cls_cxx_stat2's answer: the object's size in bytes and its mtime (object_info_t). */
export interface ClsStat {
  size: number;
  mtime: UTime;
}

/**
 * What an object-class method sees of the object and the op (src/objclass/objclass.h, implemented by
 * src/osd/objclass.cc over PrimaryLogPG::do_osd_ops). The op engine implements it over the op's
 * transaction; methods never touch the store themselves.
 *
 * Semantics the implementation must keep, as Ceph's replicated PG does:
 * - Data, xattr and omap reads see the object as it was before the op (they read the store, and the
 *   op's writes are only in its transaction). A read of an object that does not exist on disk fails
 *   with ENOENT; a missing xattr with ENODATA; a missing omap key (mapGetVal) with ENOENT.
 * - stat() sees the op's own view (object_info_t in new_obs): ENOENT when the object does not exist,
 *   including after remove() earlier in the same op, and the size the op's writes gave it.
 * - Writes go into the op's transaction; a write to a missing object creates it (maybe_create_new_object),
 *   also after remove() in the same op. Nothing is applied if the method, or any later op of the same
 *   MOSDOp, fails.
 * - Every call may throw CephError with Ceph's errno; the method either handles it (cls_lock treats
 *   ENODATA as "no lock") or lets it propagate, which makes that errno the op's rval.
 * - Write calls are not refused in a method without CLS_METHOD_WR: Ceph runs them and then fails the
 *   CALL with EIO (PrimaryLogPG's num_write check); `execClsMethod` in call.ts does that check, so an
 *   implementation need not.
 */
export interface ClsContext {
  /** cls_get_request_origin: the client entity (type+num as entity_name_t) and its address (entity_addr_t). */
  readonly origin: { name: EntityNameT; addr: EntityAddr };
  /** ceph_clock_now at the op (the PG's op time). */
  readonly now: UTime;
  /** The method's flags allow writes (CLS_METHOD_WR). */
  readonly canWrite: boolean;
  /**
   * cls_get_client_features: the features of the client's connection. cls_lock encodes lock_info_t with
   * them (an entity_addr_t without MSG_ADDR2 goes out in the legacy form).
   */
  readonly clientFeatures: bigint;
  /** cls_cxx_stat2. ENOENT (cephError('ENOENT')) if the object does not exist. */
  stat(): Promise<ClsStat>;
  /** cls_cxx_read: up to `length` bytes from `offset` (short at the end of the object). */
  read(offset: number, length: number): Promise<Buffer>;
  /** cls_cxx_create: EEXIST when `exclusive` and the object exists. */
  create(exclusive: boolean): Promise<void>;
  /** cls_cxx_write2. */
  write(offset: number, data: Buffer): Promise<void>;
  /** cls_cxx_write_full: truncate to 0 and write `data`. */
  writeFull(data: Buffer): Promise<void>;
  /** cls_cxx_truncate. */
  truncate(size: number): Promise<void>;
  /** cls_cxx_remove: delete the object (data, xattrs and omap). */
  remove(): Promise<void>;
  /** cls_cxx_getxattr: ENODATA when missing, ENOENT when no object. */
  getxattr(name: string): Promise<Buffer>;
  /** cls_cxx_getxattrs: the user xattrs (names without the OSD's "_" prefix). */
  getxattrs(): Promise<Map<string, Buffer>>;
  /** cls_cxx_setxattr. */
  setxattr(name: string, value: Buffer): Promise<void>;
  /** cls_cxx_map_read_header: empty when the object has no omap header. */
  mapGetHeader(): Promise<Buffer>;
  /** cls_cxx_map_get_val: ENOENT when the key is missing. */
  mapGetVal(key: string): Promise<Buffer>;
  /** cls_cxx_map_get_keys: up to `max` keys after `startAfter`, in byte order; `more` if some were left. */
  mapGetKeys(startAfter: string, max: number): Promise<{ keys: string[]; more: boolean }>;
  /** cls_cxx_map_get_vals: as mapGetKeys, limited to keys starting with `prefix`. */
  mapGetVals(startAfter: string, prefix: string, max: number): Promise<{ vals: Map<string, Buffer>; more: boolean }>;
  /** cls_cxx_map_set_val. */
  mapSetVal(key: string, value: Buffer): Promise<void>;
  /** cls_cxx_map_set_vals. */
  mapSetVals(kv: Map<string, Buffer>): Promise<void>;
  /** cls_cxx_map_remove_key. */
  mapRemoveKey(key: string): Promise<void>;
  /** cls_cxx_map_remove_range: keys in [first, last). */
  mapRemoveRange(first: string, last: string): Promise<void>;
  /** cls_cxx_map_clear. */
  mapClear(): Promise<void>;
  /** cls_cxx_map_write_header. */
  mapWriteHeader(header: Buffer): Promise<void>;
  /**
   * cls_current_version: the PG's last user version before this op (PG::get_last_user_version, i.e.
   * pg_info_t::last_user_version), not the object's. objclass.h has no call for the version the op
   * will get; cls_version keeps its own counter in an xattr.
   */
  currentVersion(): bigint;
  /**
   * cls_cxx_subop_version: "<currentVersion>.<n>", n the op's processed sub-ops so far (the ops
   * before this CALL and every cls_cxx_* call that succeeded, each a do_osd_ops sub-op in Ceph).
   * cls_log names entries without an id with it.
   */
  subopVersion(): string;
  /**
   * cls_get_snapset_seq: the head's SnapSet seq as the op leaves it (ctx->obc->ssc->snapset.seq);
   * ENOENT when the object does not exist, or is a whiteout without clones. cls_rbd's
   * assert_snapc_seq guards a migration's deep-copy writes with it.
   */
  snapsetSeq(): Promise<bigint>;
  /** cls_log / CLS_LOG: a line in the OSD log at debug level `level` (debug_objclass). */
  log(level: number, msg: string): void;
}
