/**
 * Runs one MMonCommand through the dispatcher inside the pipeline's critical section: reads reply at
 * once; writes reply only after their proposal is durable, with the committed version, and get their
 * "finished" audit line then.
 */
import { CephError, Errno, logger } from '@ts-ceph/common';
import { CommandDispatcher } from './core/commands/dispatch';
import { MonSession } from './core/session';
import { ProposalPipeline } from './pipeline';

const log = logger('mon');

export const commandLimits = {
  /**
   * Runs of one command that asks to be retried after its proposal (an erasure pool needs its
   * default profile, then its rule, then the pool: three).
   */
  commandRetriesMax: 4,
};

export interface CommandResult {
  r: number;
  rs: string;
  outbl: Buffer;
  version: number;
}

export class CommandRunner {
  constructor(
    private readonly pipeline: ProposalPipeline,
    readonly dispatcher: CommandDispatcher,
    private readonly fsid: () => string,
  ) {}

  run(session: MonSession, cmd: string[], inbuf: Buffer = Buffer.alloc(0), fsid?: string): Promise<CommandResult> {
    return this.pipeline.run(async () => {
      for (let attempt = 1; ; attempt++) {
        const r = await this.runOnce(session, cmd, inbuf, fsid, attempt < commandLimits.commandRetriesMax);
        if (r) return r;
      }
    });
  }

  /** One dispatch; undefined when the command asked to run again after its proposal committed. */
  private async runOnce(session: MonSession, cmd: string[], inbuf: Buffer, fsid: string | undefined, mayRetry: boolean): Promise<CommandResult | undefined> {
    {
      const now = this.pipeline.clock.wallNow();
      const fsidOk = fsid === undefined || fsid === this.fsid() || fsid === '00000000-0000-0000-0000-000000000000';
      const { outcome, audit } = this.dispatcher.dispatch(session, cmd, inbuf, now, fsidOk);
      if (!outcome.propose) return { ...outcome.reply, version: outcome.version ?? 0 };
      let version: number;
      try {
        version = await this.pipeline.propose(outcome.propose);
      } catch (e) {
        log.error(`command ${cmd.join('')} failed to commit: ${(e as Error).message}`);
        const errno = e instanceof CephError ? e.errno : Errno.EIO;
        return { r: -errno, rs: (e as Error).message, outbl: Buffer.alloc(0), version: 0 };
      }
      if (outcome.retry) {
        if (mayRetry) return undefined;
        return { r: -Errno.EAGAIN, rs: 'command retried too many times', outbl: Buffer.alloc(0), version };
      }
      const reply = typeof outcome.reply === 'function' ? outcome.reply() : outcome.reply;
      if (reply.r >= 0) audit?.();
      return { ...reply, version };
    }
  }
}
