import { appendFileSync, readFileSync } from 'node:fs';
import { cephError } from './errors';
import { CephConf } from './conf';
import { LogSink } from './log';

/**
 * The file-reading and file-writing halves of the conf and the log, kept apart from conf.ts and
 * log.ts so that protocol cores can parse a conf text or log a line (through `@ts-ceph/common/core`)
 * without loading node:fs.
 */

/** Read and parse a ceph.conf file. */
export function loadCephConf(path: string): CephConf {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw cephError('ENOENT', `cannot read conf file ${path}: ${(e as Error).message}`, { cause: e });
  }
  return CephConf.parse(text, path);
}

/** A log sink that appends each line to the file at `path` (created mode 0640). */
export function fileSink(path: string): LogSink {
  return { write: (line) => appendFileSync(path, line + '\n', { mode: 0o640 }) };
}
