/**
 * A daemon's admin socket (src/common/admin_socket.cc): the unix socket `ceph daemon <name> <cmd>`
 * and `ceph --admin-daemon <path> <cmd>` talk to. One request per connection: a JSON command
 * terminated by NUL or newline (or the old protocol's four bytes, a big-endian code), answered by
 * a 4-byte big-endian length and the output, after which the daemon closes the connection. The wire
 * has no status field, so a failed command's output starts with "ERROR: (errno) strerror" and its
 * message, as Ceph writes it. What each command does is the daemon's business: this file only
 * moves bytes and finds the path.
 */
import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { Server, Socket, connect, createServer } from 'node:net';
import { dirname } from 'node:path';
import { CephConf } from './conf';
import { Errno, strerror } from './errno';
import { cephError } from './errors';

export const adminSocketLimits = {
  /** AdminSocket::do_accept reads a request into a 1024-byte buffer and drops longer ones. */
  requestBytesMax: 1024,
  /** sockaddr_un.sun_path holds 108 bytes with the terminating NUL. */
  pathBytesMax: 107,
  /** How long a client may take to send its request before we hang up. */
  requestTimeoutMs: 10_000,
};

export interface AdminSocketReply {
  /** 0 or a negative errno. */
  r: number;
  rs: string;
  outbl: Buffer;
}

/** Run one command: the request text, a JSON object with "prefix" (cmdmap_from_json's input). */
export type AdminSocketExecute = (request: string) => Promise<AdminSocketReply>;

/** The codes of the pre-JSON protocol (a big-endian u32 whose first byte is 0). */
const legacyCommands: Record<number, string> = { 0: '0', 1: 'perfcounters_dump', 2: 'perfcounters_schema' };

/**
 * The socket path for `entity` (e.g. "osd.0") as md_config_t expands it: the admin_socket option
 * (default "$run_dir/$cluster-$name.asok"), with $run_dir the run_dir option (default
 * /var/run/ceph). An empty admin_socket means no socket.
 */
export function adminSocketPath(conf: CephConf, entity: string, cluster = 'ceph'): string {
  const runDir = conf.get('run_dir', entity, cluster) ?? '/var/run/ceph';
  const raw = conf.get('admin_socket', entity, cluster) ?? `${runDir}/${cluster}-${entity}.asok`;
  return raw.replace(/\$\{?run_dir\}?/g, runDir);
}

/** The reply bytes: length, then the output, prefixed with the error text when r < 0. */
export function encodeAdminSocketReply(rep: AdminSocketReply): Buffer {
  const body = rep.r < 0 ? Buffer.concat([Buffer.from(`ERROR: (${-rep.r}) ${strerror(rep.r)}\n${rep.rs}\n`), rep.outbl]) : rep.outbl;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

/**
 * The request in `buf` so far: the command text once complete, 'incomplete' while more bytes are
 * needed, or 'too-long' past requestBytesMax.
 */
export function parseAdminSocketRequest(buf: Buffer): string | 'incomplete' | 'too-long' {
  if (buf.length > 0 && buf[0] === 0) {
    if (buf.length < 4) return 'incomplete';
    const code = buf[3]!;
    return JSON.stringify({ prefix: legacyCommands[code] ?? 'foo' });
  }
  for (let i = 0; i < buf.length && i < adminSocketLimits.requestBytesMax; i++) {
    if (buf[i] === 0 || buf[i] === 0x0a) return buf.subarray(0, i).toString('utf8');
  }
  return buf.length >= adminSocketLimits.requestBytesMax ? 'too-long' : 'incomplete';
}

/** Is a live daemon answering on `path`? (AdminSocketClient::ping before taking a stale path over.) */
function answering(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export interface AdminSocketOptions {
  /** admin_socket_mode: octal permission bits applied after bind (none: the umask decides, as Ceph). */
  mode?: string;
  onError?(e: Error): void;
}

export class AdminSocket {
  private readonly conns = new Set<Socket>();

  private constructor(
    readonly path: string,
    private readonly server: Server,
  ) {}

  /**
   * Bind and listen at `path` (AdminSocket::init / bind_and_listen): the parent directory is made
   * 0700 when missing; a stale socket file nobody answers on is replaced; a live one is EEXIST.
   */
  static async listen(path: string, execute: AdminSocketExecute, opts: AdminSocketOptions = {}): Promise<AdminSocket> {
    if (Buffer.byteLength(path) > adminSocketLimits.pathBytesMax) {
      throw cephError('ENAMETOOLONG', `The UNIX domain socket path ${path} is too long! The maximum length on this system is ${adminSocketLimits.pathBytesMax}`);
    }
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    if (existsSync(path)) {
      if (await answering(path)) throw cephError('EEXIST', `failed to bind the UNIX domain socket to '${path}': (17) File exists`);
      unlinkSync(path);
    }
    const server = createServer();
    const sock = new AdminSocket(path, server);
    server.on('connection', (c) => sock.serve(c, execute, opts));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => opts.onError?.(e));
    if (opts.mode) chmodSync(path, parseInt(opts.mode, 8));
    return sock;
  }

  private serve(c: Socket, execute: AdminSocketExecute, opts: AdminSocketOptions): void {
    this.conns.add(c);
    c.once('close', () => this.conns.delete(c));
    c.on('error', (e) => opts.onError?.(e));
    c.setTimeout(adminSocketLimits.requestTimeoutMs, () => c.destroy());
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      const req = parseAdminSocketRequest(buf);
      if (req === 'incomplete') return;
      c.off('data', onData);
      if (req === 'too-long') {
        c.destroy();
        return;
      }
      execute(req).then(
        (rep) => c.end(encodeAdminSocketReply(rep)),
        (e: Error) => c.end(encodeAdminSocketReply({ r: -Errno.EIO, rs: e.message, outbl: Buffer.alloc(0) })),
      );
    };
    c.on('data', onData);
  }

  /** Stop listening, drop open connections and remove the socket file. */
  async close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    try {
      unlinkSync(this.path);
    } catch {
      // Node removes a unix socket's file on close itself; nothing left to remove is fine.
    }
  }
}
