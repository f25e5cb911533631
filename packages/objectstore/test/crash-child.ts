// Crash-test child: mounts the store and applies transactions start, start+1, ... of a seed with up
// to `depth` in flight, printing each id (in order) once its commit has been acknowledged. The
// parent kill -9s it at a random moment.
import { writeSync } from 'node:fs';
import { NativeStore } from '../src';
import { makeTxn } from './crash-gen';

/** The parent pre-spawns us while it checks the previous run; the first stdin line says go. */
function firstLine(): Promise<string> {
  return new Promise((resolve) => {
    let buf = '';
    process.stdin.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(buf.slice(0, nl));
    });
  });
}

async function main(): Promise<void> {
  const [path, seedS, depthS, backend, pass] = process.argv.slice(2);
  const startS = await firstLine();
  const store = new NativeStore({ path: path!, backend: backend === 'pool' ? 'pool' : 'uring', ...(pass ? { passphrase: Buffer.from(pass) } : {}) });
  await store.mount();
  // The parent checks the backend the device really opened with (TS_CEPH_IO=pool overrides 'uring').
  writeSync(1, `ready ${store.io.dev.backend}\n`);
  // A child on the wrong backend has nothing to test: the parent fails the lane on the line above.
  if (store.io.dev.backend !== (backend === 'pool' ? 'pool' : 'io_uring')) process.exit(1);
  const seed = Number(seedS);
  const depth = Number(depthS);
  let next = Number(startS);
  const inflight = new Set<Promise<void>>();
  for (;;) {
    while (inflight.size < depth) {
      const id = next++;
      const p: Promise<void> = store.queueTransaction(makeTxn(seed, id)).then(() => {
        writeSync(1, `${id}\n`);
        inflight.delete(p);
      });
      inflight.add(p);
    }
    await Promise.race(inflight);
  }
}

main().catch((e: Error) => {
  writeSync(2, `crash-child: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
