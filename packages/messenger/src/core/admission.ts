/**
 * Admission of accepted connections into the handshake: which half-open connections a listener
 * keeps, so that a peer that has not authenticated cannot lock others out (issue 14).
 *
 * Three rules, all about connections that have not finished their handshake:
 * - at most `handshakesPerAddrMax` from one source address and `handshakeConnectionsMax` in all;
 * - a newcomer over either limit evicts the OLDEST handshake that has not authenticated yet (from
 *   its own address for the per-address limit), rather than being refused: a flood only ever
 *   displaces itself, and a client that completes its handshake promptly is never the oldest;
 * - a connection must send its banner and HELLO within `helloTimeoutMs` (the full handshake
 *   deadline, ms_connection_ready_timeout, still applies after that).
 *
 * Sans-I/O: the driver reports arrivals, progress and ends with its clock's time and carries out
 * the evictions and expiries this returns. Ceph 16 has no such policy (its AsyncMessenger accepts
 * everything and relies on ms_connection_ready_timeout on the connecting side only).
 */
import { assert } from '@ts-ceph/common/core';

/** How far an accepted connection got: nothing valid yet, HELLO received, or authenticated (AUTH_DONE sent). */
export type HandshakeStage = 'banner' | 'hello' | 'authenticated';

export interface AdmissionLimits {
  /** Handshakes in progress at once, all sources together. */
  handshakeConnectionsMax: number;
  /** Handshakes in progress at once from one source IP address. */
  handshakesPerAddrMax: number;
  /** Time from accept to a valid banner and HELLO. */
  helloTimeoutMs: number;
}

interface Entry {
  addr: string;
  sinceMs: number;
  stage: HandshakeStage;
}

export interface Eviction<K> {
  key: K;
  addr: string;
  /** Which limit made room: 'per-address' or 'global'. */
  limit: 'per-address' | 'global';
}

export interface AdmissionDecision<K> {
  /** False only when every handshake in the way has already authenticated. */
  admitted: boolean;
  /** Older handshakes the driver must close to make room, oldest first. */
  evict: Eviction<K>[];
}

export class HandshakeAdmission<K> {
  /** Handshakes in progress; a Map iterates in insertion order, so the first entries are the oldest. */
  private readonly entries = new Map<K, Entry>();
  private readonly perAddr = new Map<string, number>();

  constructor(readonly limits: AdmissionLimits) {
    assert(limits.handshakeConnectionsMax >= 1 && limits.handshakesPerAddrMax >= 1, 'admission limits must be at least 1');
  }

  get size(): number {
    return this.entries.size;
  }

  countFor(addr: string): number {
    return this.perAddr.get(addr) ?? 0;
  }

  stageOf(key: K): HandshakeStage | undefined {
    return this.entries.get(key)?.stage;
  }

  /** A connection from `addr` was accepted at `nowMs`: admit it, evicting older ones as needed. */
  admit(key: K, addr: string, nowMs: number): AdmissionDecision<K> {
    assert(!this.entries.has(key), 'connection admitted twice');
    const evict: Eviction<K>[] = [];
    if (this.countFor(addr) >= this.limits.handshakesPerAddrMax) {
      const victim = this.oldestUnauthenticated(addr);
      if (victim === undefined) return { admitted: false, evict };
      evict.push({ key: victim, addr, limit: 'per-address' });
      this.finished(victim);
    }
    if (this.entries.size >= this.limits.handshakeConnectionsMax) {
      const victim = this.oldestUnauthenticated(undefined);
      if (victim === undefined) return { admitted: false, evict };
      evict.push({ key: victim, addr: this.entries.get(victim)!.addr, limit: 'global' });
      this.finished(victim);
    }
    this.entries.set(key, { addr, sinceMs: nowMs, stage: 'banner' });
    this.perAddr.set(addr, this.countFor(addr) + 1);
    return { admitted: true, evict };
  }

  /** The connection reached `stage`; stages only move forward. */
  progressed(key: K, stage: HandshakeStage): void {
    const e = this.entries.get(key);
    if (!e || rank(stage) <= rank(e.stage)) return;
    e.stage = stage;
  }

  /** The handshake ended (READY, failed, closed, evicted): the connection no longer counts. */
  finished(key: K): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    const n = this.countFor(e.addr) - 1;
    if (n > 0) this.perAddr.set(e.addr, n);
    else this.perAddr.delete(e.addr);
  }

  /** Connections still without a valid HELLO `helloTimeoutMs` after their accept, oldest first. */
  expired(nowMs: number): K[] {
    const out: K[] = [];
    for (const [k, e] of this.entries) {
      if (e.stage === 'banner' && nowMs - e.sinceMs >= this.limits.helloTimeoutMs) out.push(k);
    }
    return out;
  }

  /** When the next HELLO deadline falls (undefined: no connection waits for its HELLO). */
  nextDeadlineMs(): number | undefined {
    for (const e of this.entries.values()) if (e.stage === 'banner') return e.sinceMs + this.limits.helloTimeoutMs;
    return undefined;
  }

  private oldestUnauthenticated(addr: string | undefined): K | undefined {
    for (const [k, e] of this.entries) {
      if (e.stage !== 'authenticated' && (addr === undefined || e.addr === addr)) return k;
    }
    return undefined;
  }
}

function rank(s: HandshakeStage): number {
  return s === 'banner' ? 0 : s === 'hello' ? 1 : 2;
}
