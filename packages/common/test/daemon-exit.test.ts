// exitAfterFlush: a bin's exit waits until its output has left the process. With process.exit the
// writes still queued on a pipe were dropped: ts-objectstore-tool --op list, read by a test on a
// loaded machine, lost the last hundred objects of its listing and still exited 0.
import t from 'tap';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const daemonJs = join(__dirname, '..', 'src', 'daemon.js');

/** Run a child that writes `bytes` to stdout in 64 KiB lines and a line to stderr, then exits with `code` through `exit`. */
function child(exit: 'exitAfterFlush' | 'process.exit', bytes: number, code: number): Promise<{ out: number; err: string; code: number | null }> {
  const script = `
    const { exitAfterFlush } = require(${JSON.stringify(daemonJs)});
    const line = 'x'.repeat(65535) + '\\n';
    for (let n = 0; n < ${bytes}; n += line.length) process.stdout.write(line);
    process.stderr.write('done\\n');
    ${exit === 'exitAfterFlush' ? `exitAfterFlush(${code})` : `process.exit(${code})`};`;
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = 0;
    let err = '';
    // A slow reader: nothing is read for the first 300 ms, so the pipe fills and writes queue up.
    p.stdout.pause();
    setTimeout(() => p.stdout.resume(), 300);
    p.stdout.on('data', (b: Buffer) => (out += b.length));
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('error', reject);
    p.on('close', (c) => resolve({ out, err, code: c }));
  });
}

t.test('every byte written before the exit reaches a slow reader, and the code is kept', async (t) => {
  const bytes = 64 * 65536;
  const r = await child('exitAfterFlush', bytes, 0);
  t.same(r, { out: bytes, err: 'done\n', code: 0 });
  const e = await child('exitAfterFlush', bytes, 3);
  t.same(e, { out: bytes, err: 'done\n', code: 3 }, 'a failing exit code after output');
});

t.test('process.exit alone loses the queued output (what exitAfterFlush is for)', async (t) => {
  const bytes = 64 * 65536;
  const r = await child('process.exit', bytes, 0);
  t.ok(r.out < bytes, `process.exit dropped output: ${r.out} of ${bytes} bytes arrived`);
});
