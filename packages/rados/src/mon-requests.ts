import { CephError, cephError, Clock, TimerHandle } from '@ts-ceph/common';
import { Uuid } from '@ts-ceph/denc';
import { CephMessage, messageTypes } from '@ts-ceph/messenger';
import { MMonCommandAck, MMonCommandCodec, MMonGetVersionCodec, MMonGetVersionReply, monCommand } from '@ts-ceph/messages';

export interface CommandResult {
  /** 0 or a negative errno, as the mon answered. */
  r: number;
  /** The mon's status string. */
  rs: string;
  /** The output (JSON or text), from the ack's data segment. */
  data: Buffer;
}

interface PendingCommand {
  tid: bigint;
  cmd: string[];
  inbl: Buffer;
  resolve(r: CommandResult): void;
  reject(e: CephError): void;
  timer?: TimerHandle;
}

/** How MonRequests reaches the monitor: the session's connection, if it has one. */
export interface MonRequestLink {
  readonly clock: Clock;
  /** The cluster's fsid, as the commands carry it (the monmap's, once known). */
  fsid(): Uuid;
  /** Send on the established session now; false when there is none (the request waits). */
  sendNow(m: CephMessage): boolean;
  /** Send now or queue until the session is up (MonClient's waiting list). */
  sendMon(m: CephMessage): void;
}

/**
 * The MonClient's outstanding requests: mon commands (MMonCommand, resent on every new session
 * until acked, as MonClient::_resend_mon_commands) and version queries (MMonGetVersion, failed with
 * EAGAIN when the session resets). They share one tid space, as the commands' tids and the version
 * queries' handles do in MonClient.
 */
export class MonRequests {
  private readonly commands = new Map<bigint, PendingCommand>();
  private readonly versionReqs = new Map<bigint, { resolve(v: MMonGetVersionReply): void; reject(e: CephError): void }>();
  private lastTid = 0n;

  constructor(private readonly link: MonRequestLink) {}

  /** Send a command to the monitors and wait for its MMonCommandAck (or the timeout, if > 0). */
  command(cmd: object | string[], inbl: Buffer, timeoutMs: number): Promise<CommandResult> {
    const tid = ++this.lastTid;
    const c = Array.isArray(cmd) ? cmd.map(String) : [JSON.stringify(cmd)];
    return new Promise<CommandResult>((resolve, reject) => {
      const pc: PendingCommand = { tid, cmd: c, inbl, resolve, reject };
      if (timeoutMs > 0) {
        pc.timer = this.link.clock.setTimeout(() => {
          this.commands.delete(tid);
          reject(cephError('ETIMEDOUT', `mon command ${c.join(' ')} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.commands.set(tid, pc);
      this.sendCommand(pc);
    });
  }

  /** MMonGetVersion: the newest (and oldest) version of map `what`. */
  getVersion(what: string): Promise<MMonGetVersionReply> {
    const handle = ++this.lastTid;
    return new Promise((resolve, reject) => {
      this.versionReqs.set(handle, { resolve, reject });
      this.link.sendMon(messageTypes.build(MMonGetVersionCodec, { handle, what }));
    });
  }

  /** A new session is up: every unacknowledged command goes again. */
  resendCommands(): void {
    for (const c of this.commands.values()) this.sendCommand(c);
  }

  /** The session was dropped: version queries are not resent (the caller asks again). */
  failVersionQueries(): void {
    for (const v of this.versionReqs.values()) v.reject(cephError('EAGAIN', 'mon session reset'));
    this.versionReqs.clear();
  }

  /** Shutdown: every command fails with `err`. */
  failCommands(err: CephError): void {
    for (const c of this.commands.values()) {
      c.timer?.cancel();
      c.reject(err);
    }
    this.commands.clear();
  }

  handleCommandAck(tid: bigint, ack: MMonCommandAck): void {
    let c = this.commands.get(tid);
    // handle_mon_command_ack: tid 0 means the oldest outstanding command.
    if (!c && tid === 0n) c = this.commands.values().next().value;
    if (!c) return;
    this.commands.delete(c.tid);
    c.timer?.cancel();
    c.resolve({ r: ack.r, rs: ack.rs, data: ack.data });
  }

  handleVersionReply(r: MMonGetVersionReply): void {
    const w = this.versionReqs.get(r.handle);
    if (!w) return;
    this.versionReqs.delete(r.handle);
    w.resolve(r);
  }

  private sendCommand(c: PendingCommand): void {
    this.link.sendNow(messageTypes.build(MMonCommandCodec, { ...monCommand(c.cmd, this.link.fsid()), inbl: c.inbl }, { tid: c.tid }));
  }
}
