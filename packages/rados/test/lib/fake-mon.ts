import { EntityType, Writer, AddrType, makeAddr, EntityAddr } from '@ts-ceph/denc';
import { encodeMonMap, newMonInfo, newMonMap } from '@ts-ceph/maps';
import { AuthNoneServer, AuthServerProvider, CephMessage, Connection, MemoryNetwork, Messenger, messageTypes, Policies } from '@ts-ceph/messenger';
import {
  CEPH_MSG_MON_GET_MAP,
  CEPH_MSG_MON_GET_VERSION,
  CEPH_MSG_MON_SUBSCRIBE,
  MConfigCodec,
  MMonCommand,
  MMonCommandAckCodec,
  MMonGetVersion,
  MMonGetVersionReplyCodec,
  MMonMapCodec,
  MMonSubscribe,
  MOSDMapCodec,
  MSG_MON_COMMAND,
} from '@ts-ceph/messages';

export const FSID = '5a4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c';

/**
 * A stand-in monitor for MonClient tests: our Messenger as a MON on the in-memory network, with
 * AUTH_NONE (or a given auth provider), answering mon_getmap, subscriptions (monmap, config, osdmap),
 * mon_command (r=0, data = {"fsid", "mon"}) and mon_get_version. `muteCommands` drops commands so
 * resends can be tested.
 */
export class FakeMon {
  readonly msgr: Messenger;
  muteCommands = false;
  /** The osdmap to serve (epoch and encoded full map); a placeholder "full map 7" when unset. */
  osdmap: { epoch: number; bl: Buffer } | undefined;
  commands: MMonCommand[] = [];
  cons: Connection[] = [];
  addr: EntityAddr;

  constructor(
    readonly net: MemoryNetwork,
    readonly name: string,
    readonly port: number,
    private readonly monmap: () => Buffer,
    auth: AuthServerProvider = new AuthNoneServer(),
  ) {
    this.addr = makeAddr(AddrType.MSGR2, '127.0.0.1', port, 0);
    this.msgr = new Messenger({ entityType: EntityType.MON, nonce: 0, authServer: auth, transports: net, defaultPolicy: Policies.statelessServer() });
    this.msgr.addDispatcher({
      msHandleAccept: (c) => void this.cons.push(c),
      msDispatch: (con, msg, payload) => this.dispatch(con, msg, payload),
    });
  }

  start(): Promise<unknown> {
    return this.msgr.bind('127.0.0.1', this.port);
  }

  stop(): Promise<void> {
    return this.msgr.shutdown();
  }

  private dispatch(con: Connection, msg: CephMessage, payload: unknown): void {
    const send = (m: CephMessage) => con.send(m);
    if (msg.type === CEPH_MSG_MON_GET_MAP) send(messageTypes.build(MMonMapCodec, { monmap: this.monmap() }));
    if (msg.type === CEPH_MSG_MON_SUBSCRIBE) {
      const s = payload as MMonSubscribe;
      if (s.what.has('config')) send(messageTypes.build(MConfigCodec, { config: new Map([['mon_name', this.name]]) }));
      if (s.what.has('monmap')) send(messageTypes.build(MMonMapCodec, { monmap: this.monmap() }));
      if (s.what.has('osdmap')) send(this.osdmapMessage());
    }
    if (msg.type === MSG_MON_COMMAND) {
      const c = payload as MMonCommand;
      this.commands.push(c);
      if (this.muteCommands) return;
      const data = Buffer.from(JSON.stringify({ fsid: c.fsid, mon: this.name, cmd: JSON.parse(c.cmd[0]!) }));
      send(messageTypes.build(MMonCommandAckCodec, { paxos: c.paxos, r: 0, rs: '', cmd: c.cmd, data }, { tid: msg.tid }));
    }
    if (msg.type === CEPH_MSG_MON_GET_VERSION) {
      const v = payload as MMonGetVersion;
      send(messageTypes.build(MMonGetVersionReplyCodec, { handle: v.handle, version: this.osdmap?.epoch ?? 7, oldestVersion: 1 }));
    }
  }

  private osdmapMessage(): CephMessage {
    const m = this.osdmap ?? { epoch: 7, bl: Buffer.from('full map 7') };
    return messageTypes.build(MOSDMapCodec, { fsid: FSID, incrementalMaps: new Map(), maps: new Map([[m.epoch, m.bl]]), oldestMap: 1, newestMap: m.epoch, gapRemovedSnaps: [] });
  }

  /** Serve a new osdmap and send it to every session (as a continuous subscription would). */
  publishOsdmap(epoch: number, bl: Buffer): void {
    this.osdmap = { epoch, bl };
    for (const c of this.cons) if (c.isConnected) c.send(this.osdmapMessage());
  }
}

/** A monmap (epoch 1) listing `mons` by name and v2 address. */
export function monmapFor(mons: { name: string; port: number }[]): Buffer {
  const m = newMonMap();
  m.fsid = FSID;
  m.epoch = 1;
  for (const x of mons) m.monInfo.set(x.name, newMonInfo(x.name, [makeAddr(AddrType.MSGR2, '127.0.0.1', x.port, 0)]));
  m.ranks = mons.map((x) => x.name);
  const w = new Writer();
  encodeMonMap(w, m);
  return w.finish();
}
