/**
 * MonClient's subscription bookkeeping (src/mon/MonSub.{h,cc}), pure: what we want from the mon,
 * what we already asked for, and what the next MMonSubscribe must carry.
 *  - want(): a new or changed subscription goes to `pending` (sent with the next MMonSubscribe).
 *  - renewed(): after sending, pending merges into `sent`.
 *  - got(): a map arrived; a continuous subscription moves past it, a ONETIME one is dropped.
 *  - reload(): on a new mon session everything is pending again.
 */
export const CEPH_SUBSCRIBE_ONETIME = 1;

export interface SubItem {
  start: number;
  flags: number;
}

export class MonSub {
  private pending = new Map<string, SubItem>();
  private sent = new Map<string, SubItem>();

  want(what: string, start: number, flags: number): boolean {
    const p = this.pending.get(what) ?? this.sent.get(what);
    if (p && p.start === start && p.flags === flags) return false;
    this.pending.set(what, { start, flags });
    return true;
  }

  /** inc_want: only move a subscription forward. */
  incWant(what: string, start: number, flags: number): boolean {
    const cur = this.pending.get(what) ?? this.sent.get(what);
    if (cur && cur.start >= start) return false;
    this.pending.set(what, { start, flags });
    return true;
  }

  unwant(what: string): void {
    this.pending.delete(what);
    this.sent.delete(what);
  }

  haveNew(): boolean {
    return this.pending.size > 0;
  }

  /** The subscriptions the next MMonSubscribe carries (sub_new). */
  newSubs(): Map<string, SubItem> {
    return new Map([...this.pending.entries()].map(([k, v]) => [k, { ...v }]));
  }

  renewed(): void {
    for (const [k, v] of this.pending) this.sent.set(k, v);
    this.pending.clear();
  }

  got(what: string, have: number): boolean {
    for (const m of [this.pending, this.sent]) {
      const s = m.get(what);
      if (!s) continue;
      if (s.start > have) return false;
      if (s.flags & CEPH_SUBSCRIBE_ONETIME) m.delete(what);
      else s.start = have + 1;
      return true;
    }
    return false;
  }

  reload(): boolean {
    for (const [k, v] of this.sent) if (!this.pending.has(k)) this.pending.set(k, { ...v });
    this.sent.clear();
    return this.haveNew();
  }

  /** Everything wanted, sent or not (for tests and dumps). */
  all(): Map<string, SubItem> {
    return new Map([...this.sent, ...this.pending]);
  }
}
