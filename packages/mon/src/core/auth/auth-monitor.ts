/**
 * The auth database (src/mon/AuthMonitor.cc, service "auth"): the KeyServer's entities and rotating
 * service secrets, and global_id allocation. `auth/<v>` holds u8 1 + AuthMonitor::Incremental...;
 * `auth/full_<v>` holds u8 1 + le64 max_global_id + KeyServerData. The mon's own key (mon.) stays in
 * its keyring file and reaches the KeyServer as an extra secret, as in Ceph.
 */
import { Reader, Writer, EntityName, EntityType, formatEntityName } from '@ts-ceph/denc';
import { cephError } from '@ts-ceph/common/core';
import {
  KeyServer,
  KeyRing,
  EntityAuth,
  KeyServerIncremental,
  decodeKeyServerData,
  encodeKeyServerData,
  decodeKeyServerIncremental,
  encodeKeyServerIncremental,
  AUTH_INC_ADD,
  AUTH_INC_DEL,
  RandomSource,
  applyKeyServerIncremental,
  capsBlob,
} from '@ts-ceph/cephx/core';
import { PaxosService } from '../paxos-service';
import { StoreTransaction } from '../store-txn';
import { StoreView } from '../store-view';
import { AuthIncType, AuthMonIncremental, decodeAuthMonIncremental, encodeAuthMonIncremental } from './auth-inc';

/** MIN_GLOBAL_ID (AuthMonitor.cc): the first global_id handed out is just above this. */
export const MIN_GLOBAL_ID = 0x1000n;
/** CEPH_AUTH_CEPHX */
const CEPH_AUTH_CEPHX = 2;

/** The bootstrap entities mkfs creates (AuthMonitor::_generate_bootstrap_keys). */
const BOOTSTRAP_PROFILES = ['bootstrap-osd', 'bootstrap-mds', 'bootstrap-rgw', 'bootstrap-mgr', 'bootstrap-rbd', 'bootstrap-rbd-mirror'];

export class AuthMonitor extends PaxosService {
  readonly keyServer: KeyServer;
  maxGlobalId = 0n;
  lastAllocatedId = 0n;
  private keysVer = 0;
  pending: AuthMonIncremental[] = [];

  constructor(
    store: StoreView,
    monKeyring: KeyRing,
    private readonly conf: { globalIdPrealloc: () => number; authTtls: () => { mon: number; service: number } },
    /** Where new secrets come from: the monitor passes the kernel CSPRNG, a simulation a seeded stream. */
    rng: RandomSource,
  ) {
    super('auth', store);
    this.keyServer = new KeyServer({ extraSecrets: monKeyring, config: { authMonTicketTtl: conf.authTtls().mon, authServiceTicketTtl: conf.authTtls().service }, rng });
  }

  /** mkfs: rotating keys, the mkfs keyring plus bootstrap keys, the first max_global_id. */
  createInitial(now: number, mkfsKeyring?: KeyRing): void {
    this.pending = [];
    this.keyServer.data.secrets.clear();
    this.keyServer.data.rotatingSecrets.clear();
    this.checkRotate(now);
    if (mkfsKeyring) {
      for (const profile of BOOTSTRAP_PROFILES) {
        const name = { type: EntityType.CLIENT, id: profile };
        if (mkfsKeyring.has(name)) continue;
        mkfsKeyring.add(name, { key: this.keyServer.generateSecret(now), caps: new Map([['mon', capsBlob(`allow profile ${profile}`)]]) });
      }
      for (const e of mkfsKeyring.entries()) {
        if (e.name.type === EntityType.MON) continue;
        if (e.auth.caps.size === 0) continue;
        this.pushCephxInc({ op: AUTH_INC_ADD, name: e.name, auth: e.auth });
      }
    }
    // Ceph starts at MIN_GLOBAL_ID and fails the first authentications until a bigger window is
    // committed; we commit the first window with mkfs so the first client needs no retry.
    this.pending.push({ incType: AuthIncType.GLOBAL_ID, maxGlobalId: MIN_GLOBAL_ID + BigInt(this.conf.globalIdPrealloc()) });
    this.lastAllocatedId = MIN_GLOBAL_ID;
  }

  updateFromPaxos(): void {
    const version = this.lastCommitted;
    if (version === this.keysVer) return;
    const latestFull = this.store.getVersion(this.name, 'full_latest');
    if (latestFull > this.keysVer) {
      const b = this.getVersionFull(latestFull);
      if (b) {
        const r = new Reader(b);
        r.u8('struct_v');
        this.maxGlobalId = r.u64('max_global_id');
        this.keyServer.data = decodeKeyServerData(r);
        this.keysVer = latestFull;
      }
    }
    while (version > this.keysVer) {
      const b = this.getVersion(this.keysVer + 1);
      if (!b) throw cephError('EIO', `auth version ${this.keysVer + 1} missing from the store`);
      const r = new Reader(b);
      r.u8('v');
      while (r.remaining() > 0) {
        const inc = decodeAuthMonIncremental(r);
        if (inc.incType === AuthIncType.GLOBAL_ID) this.maxGlobalId = inc.maxGlobalId;
        else this.keyServer.applyIncremental(decodeKeyServerIncremental(new Reader(inc.authData)));
      }
      this.keysVer++;
    }
    this.keyServer.data.version = BigInt(this.keysVer);
    // After a restart nothing below the committed maximum may be handed out again.
    if (this.lastAllocatedId === 0n) this.lastAllocatedId = this.maxGlobalId;
  }

  createPending(): void {
    this.pending = [];
  }

  havePending(): boolean {
    return this.pending.length > 0;
  }

  encodePending(t: StoreTransaction): void {
    const v = this.lastCommitted + 1;
    const w = new Writer();
    w.u8(1);
    for (const inc of this.pending) encodeAuthMonIncremental(w, inc);
    this.putVersion(t, v, w.finish());
    this.putLastCommitted(t, v);
    // encode_full: the whole database after this version, so a restart reads one key.
    const data = structuredCloneData(this.keyServer.data);
    let maxGid = this.maxGlobalId;
    for (const inc of this.pending) {
      if (inc.incType === AuthIncType.GLOBAL_ID) maxGid = inc.maxGlobalId;
      else applyTo(data, decodeKeyServerIncremental(new Reader(inc.authData)));
    }
    data.version = BigInt(v);
    const fw = new Writer();
    fw.u8(1).u64(maxGid);
    encodeKeyServerData(fw, data);
    this.putVersionFull(t, v, fw.finish());
    this.putVersionLatestFull(t, v);
  }

  pushCephxInc(inc: KeyServerIncremental): void {
    const w = new Writer();
    encodeKeyServerIncremental(w, inc);
    this.pending.push({ incType: AuthIncType.AUTH_DATA, authType: CEPH_AUTH_CEPHX, authData: w.finish() });
  }

  /** check_rotate: top up the rotating secrets; true if a SET_ROTATING incremental was queued. */
  checkRotate(now: number): boolean {
    if (!this.keyServer.rotate(now)) return false;
    this.pushCephxInc(this.keyServer.rotatingIncremental());
    return true;
  }

  /** The entity's auth, from the database or the mon keyring (KeyServer::get_auth). */
  getAuth(name: EntityName): EntityAuth | undefined {
    return this.keyServer.getAuth(name);
  }

  contains(name: EntityName): boolean {
    return this.keyServer.contains(name);
  }

  /** Is an ADD of `name` queued but not yet committed? */
  isPending(name: EntityName): boolean {
    const key = formatEntityName(name);
    return this.pending.some((inc) => {
      if (inc.incType !== AuthIncType.AUTH_DATA) return false;
      const k = decodeKeyServerIncremental(new Reader(inc.authData));
      return k.op === AUTH_INC_ADD && formatEntityName(k.name) === key;
    });
  }

  addEntity(name: EntityName, auth: EntityAuth): void {
    this.pushCephxInc({ op: AUTH_INC_ADD, name, auth });
  }

  removeEntity(name: EntityName): void {
    this.pushCephxInc({ op: AUTH_INC_DEL, name, auth: { key: this.keyServer.generateSecret(0), caps: new Map() } });
  }

  /**
   * _assign_global_id: the next id below the committed max_global_id, or undefined when the window is
   * used up (the caller refuses the session with EAGAIN and the driver proposes a bigger window).
   */
  assignGlobalId(): bigint | undefined {
    const id = this.lastAllocatedId + 1n;
    if (id >= this.maxGlobalId) return undefined;
    this.lastAllocatedId = id;
    return id;
  }

  /** _should_increase_max_global_id: less than half the preallocated window is left. */
  shouldIncreaseMaxGlobalId(): boolean {
    const prealloc = BigInt(this.conf.globalIdPrealloc());
    return this.lastAllocatedId + prealloc / 2n >= this.maxGlobalId && !this.pending.some((i) => i.incType === AuthIncType.GLOBAL_ID);
  }

  /** increase_max_global_id: queue a GLOBAL_ID incremental extending the window. */
  increaseMaxGlobalId(): void {
    const next = (this.lastAllocatedId > this.maxGlobalId ? this.lastAllocatedId : this.maxGlobalId) + BigInt(this.conf.globalIdPrealloc());
    this.pending.push({ incType: AuthIncType.GLOBAL_ID, maxGlobalId: next });
  }
}

function structuredCloneData(d: KeyServer['data']): KeyServer['data'] {
  return {
    version: d.version,
    rotatingVer: d.rotatingVer,
    secrets: new Map(d.secrets),
    rotatingSecrets: new Map([...d.rotatingSecrets.entries()].map(([k, v]) => [k, { maxVer: v.maxVer, secrets: new Map(v.secrets) }])),
  };
}

function applyTo(d: KeyServer['data'], inc: KeyServerIncremental): void {
  applyKeyServerIncremental(d, inc);
}
