#!/usr/bin/env node
/**
 * `ts-ceph`: the ts-ceph command line, a subcommand dispatcher. Each subcommand is one file in
 * src/commands/ exporting `run(options, output): Promise<exitCode>`, listed once in `commands`.
 * Global options (-c, -n, --id, -k, -f, -m, --cluster, --connect-timeout) may appear anywhere.
 */
import { configureLog, exitAfterFlush, parseDebugLevel } from '@ts-ceph/common';
import { GlobalOptions, parseGlobalOptions } from '../args';
import { CommandOutput, printError, processOutput } from '../output';
import * as status from '../commands/status';
import * as bootstrap from '../commands/bootstrap';
import * as start from '../commands/start';
import * as down from '../commands/down';
import * as enable from '../commands/enable';

type Command = { summary: string; run(o: GlobalOptions, out: CommandOutput): Promise<number> };

/** The subcommand table: one line per subcommand. */
export const commands: Record<string, Command> = {
  status: { summary: 'show cluster status', run: status.run },
  bootstrap: { summary: 'create a new local cluster in --dir D [--osds N] [--encrypt] and start it', run: bootstrap.run },
  start: { summary: 'start the daemons of the cluster in --dir D', run: start.run },
  down: { summary: 'stop the daemons of the cluster in --dir D', run: down.run },
  enable: { summary: 'enable rgw --dir D [--port P]: start a ts-rgw and print an admin key pair', run: enable.run },
};

/** Aliases as the ceph CLI has them. */
const aliases: Record<string, string> = { '-s': 'status', '--status': 'status', health: 'status' };

function usage(out: CommandOutput): void {
  out.stderr('usage: ts-ceph [-c ceph.conf] [-n client.NAME | --id NAME] [-k KEYRING] [-f json|json-pretty|plain] [--connect-timeout SECONDS] <command>\n\ncommands:\n');
  for (const [name, c] of Object.entries(commands)) out.stderr(`  ${name.padEnd(12)} ${c.summary}\n`);
}

export async function main(argv: string[], out: CommandOutput = processOutput): Promise<number> {
  let o: GlobalOptions;
  try {
    o = parseGlobalOptions(argv);
  } catch (e) {
    return printError(e, out);
  }
  const debug = process.env.TS_CEPH_DEBUG_MS;
  if (debug) configureLog({ levels: { ms: parseDebugLevel(debug), monc: parseDebugLevel(debug) } });
  const [word, ...args] = o.rest;
  if (!word || word === '-h' || word === '--help' || word === 'help') {
    usage(out);
    return word ? 0 : 22;
  }
  const name = aliases[word] ?? word;
  const cmd = commands[name];
  if (!cmd) {
    out.stderr(`Error EINVAL: unknown command '${word}'\n`);
    usage(out);
    return 22;
  }
  o.rest = args;
  // Library timers are unref'd (a daemon must not be kept up by a retry timer); a command line
  // tool must stay up until its command is done or has timed out.
  const hold = setInterval(() => {}, 1 << 30);
  try {
    return await cmd.run(o, out);
  } catch (e) {
    return printError(e, out);
  } finally {
    clearInterval(hold);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => exitAfterFlush(code),
    (e) => {
      process.stderr.write(`ts-ceph: ${(e as Error)?.stack ?? String(e)}\n`);
      exitAfterFlush(1);
    },
  );
}
