// Crash-point child: mounts the store made by crash-point.test.ts and overwrites its objects' blocks
// with cached-onode transactions through queueTransactionOnCommit (the synchronous prepare path),
// `depth` in flight, printing each transaction id once acknowledged. Once `acks` are acknowledged
// it kill -9s itself at the next commit stage named `stage` (NativeStoreOptions.trace), so the
// kill lands at a known point: 'commit-start' between the batch's prepare (installed, visible to
// reads) and its journal write, 'record-written' between the write and the flush.
import { writeSync } from 'node:fs';
import { NativeStore } from '../src';
import { pointTxn } from './crash-point-gen';

function main(): void {
  const [path, stage, acksS, startS, depthS] = process.argv.slice(2);
  const acks = Number(acksS);
  const depth = Number(depthS);
  let acked = 0;
  const store = new NativeStore({
    path: path!,
    trace: (s) => {
      if (s === stage && acked >= acks) process.kill(process.pid, 'SIGKILL');
    },
  });
  let next = Number(startS);
  const issue = (): void => {
    const id = next++;
    store.queueTransactionOnCommit(pointTxn(id), (e) => {
      if (e) {
        writeSync(2, `txn ${id}: ${e.message}\n`);
        process.exit(1);
      }
      writeSync(1, `${id}\n`);
      acked++;
      issue();
    });
  };
  store.mount().then(
    async () => {
      // Every onode into the cache first, so the transactions below all prepare synchronously.
      await store.fsck(false);
      writeSync(1, 'ready\n');
      for (let i = 0; i < depth; i++) issue();
    },
    (e: Error) => {
      writeSync(2, `mount: ${e.stack}\n`);
      process.exit(1);
    },
  );
}

main();
