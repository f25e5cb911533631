import { GlobalOptions } from '../args';
import { monClientFromOptions } from '../context';
import { CommandOutput, printMonReply } from '../output';

/**
 * `ts-ceph status` (alias `-s`): the cluster status from the monitors, as `ceph status` prints it.
 * Like the real client: a bootstrap session for the monmap and config, then the session that sends
 * {"prefix": "status", "format": ...} and prints the ack's data.
 */
export async function run(o: GlobalOptions, out: CommandOutput): Promise<number> {
  const { mon, timeoutMs } = monClientFromOptions(o);
  try {
    await mon.bootstrap(timeoutMs);
    await mon.authenticate(timeoutMs);
    const cmd: Record<string, string> = { prefix: 'status' };
    if (o.format && o.format !== 'plain') cmd.format = o.format;
    const r = await mon.command(cmd, undefined, timeoutMs);
    return printMonReply(r, out);
  } finally {
    await mon.shutdown();
  }
}
