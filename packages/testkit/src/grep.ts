import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Bytes read from a file at a time by findBytes. */
const grepChunkBytes = 16 * 1024 * 1024;

export interface BytesHit {
  file: string;
  needle: string;
  offset: number;
}

/**
 * Every occurrence (the first per file and needle) of the needles' raw bytes in the files under
 * `root`, symlinks to files (a store's `block`) followed. For checks that data at rest holds no
 * plaintext: chunks overlap by the longest needle so a match across a chunk boundary is found.
 */
export function findBytes(root: string, needles: (string | Buffer)[]): BytesHit[] {
  const ns = needles.map((n) => ({ text: n.toString(), bytes: Buffer.isBuffer(n) ? n : Buffer.from(n) }));
  const overlap = Math.max(0, ...ns.map((n) => n.bytes.length)) - 1;
  const hits: BytesHit[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() || (e.isSymbolicLink() && statSync(p).isFile())) scanFile(p);
    }
  };
  const scanFile = (file: string): void => {
    const fd = openSync(file, 'r');
    const buf = Buffer.alloc(grepChunkBytes + overlap);
    const found = new Set<string>();
    try {
      for (let pos = 0, carry = 0; ; ) {
        const n = readSync(fd, buf, carry, grepChunkBytes, pos);
        const view = buf.subarray(0, carry + n);
        for (const nd of ns) {
          const at = found.has(nd.text) ? -1 : view.indexOf(nd.bytes);
          if (at >= 0) {
            found.add(nd.text);
            hits.push({ file, needle: nd.text, offset: pos - carry + at });
          }
        }
        if (n === 0) break;
        pos += n;
        carry = Math.min(overlap, view.length);
        view.copy(buf, 0, view.length - carry);
      }
    } finally {
      closeSync(fd);
    }
  };
  walk(root);
  return hits;
}
