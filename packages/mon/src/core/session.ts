/**
 * A client or daemon session as the monitor core sees it (Ceph's MonSession): who authenticated,
 * with which mon caps, from where, and what it subscribed to.
 */
import { EntityAddrvec, EntityName, EntityNameT, entityTypeName, formatAddrvec, formatEntityName } from '@ts-ceph/denc';
import { MonCap } from '@ts-ceph/cephx/core';

export interface Subscription {
  /** The first version the peer wants (0: the latest full map). */
  start: number;
  /** CEPH_SUBSCRIBE_ONETIME: drop after the first send. */
  onetime: boolean;
}

export class MonSession {
  readonly subs = new Map<string, Subscription>();
  /** The last MConfig we sent, to avoid resending an unchanged config. */
  lastConfig: Map<string, string> | undefined;
  /** The client reclaimed its global_id without proving it owned it (AUTH_INSECURE_GLOBAL_ID_RECLAIM). */
  insecureGlobalIdReclaim = false;

  constructor(
    readonly id: number,
    readonly entityName: EntityName,
    /** How messages address the peer: client.<global_id>, osd.<n>, mon.<rank>. */
    public inst: EntityNameT,
    public addrs: EntityAddrvec,
    public caps: MonCap,
    readonly globalId: bigint,
    /** The peer's feature bits (from its connection). */
    readonly features: bigint,
  ) {}

  get name(): string {
    return formatEntityName(this.entityName);
  }

  /** "client.? 127.0.0.1:0/1234" as audit lines print the source (entity_name_t and addrs). */
  describe(): string {
    const t = entityTypeName(this.inst.type);
    return `${this.inst.num < 0 ? `${t}.?` : `${t}.${this.inst.num}`} ${formatAddrvec(this.addrs)}`;
  }

  isCapable(service: string, r: boolean, w: boolean, x: boolean, command = '', args: ReadonlyMap<string, string> = new Map()): boolean {
    return this.caps.isCapable({ name: this.entityName, service, command, args, read: r, write: w, exec: x, addr: this.addrs[0] });
  }
}
