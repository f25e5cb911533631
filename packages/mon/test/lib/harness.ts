/**
 * An in-process monitor core for unit tests: a memory store, the proposal pipeline and the
 * map-independent services, driven by JSON commands as the CLI sends them.
 */
import { SimClock } from '@ts-ceph/common';
import { EntityType, makeAddr, AddrType, utimeFromMs } from '@ts-ceph/denc';
import { KeyRing, MonCap, CryptoKey, capsBlob, cryptoRandom } from '@ts-ceph/cephx';
import { MemoryKV } from '../../src/store/kv';
import { MonitorDBStore } from '../../src/store/mon-store';
import { ProposalPipeline } from '../../src/pipeline';
import { CommandRunner, CommandResult } from '../../src/command-runner';
import { CommandDispatcher } from '../../src/core/commands/dispatch';
import { MonSession } from '../../src/core/session';
import { KVMonitor } from '../../src/core/kv-monitor';
import { ConfigMonitor } from '../../src/core/config/config-monitor';
import { configCommands } from '../../src/core/config/config-commands';
import { LogMonitor } from '../../src/core/log/log-monitor';
import { HealthMonitor } from '../../src/core/health/health-monitor';
import { AuthMonitor } from '../../src/core/auth/auth-monitor';
import { authCommands } from '../../src/core/auth/auth-commands';
import { loadOptionTable } from '../../src/config-schema';
import { PaxosService } from '../../src/core/paxos-service';

export const FSID = 'b6f5a4e2-1c3d-4e5f-8a9b-0c1d2e3f4a5b';

export class Harness {
  clock = new SimClock(1_700_000_000_000);
  kvBackend = new MemoryKV();
  store!: MonitorDBStore;
  pipeline!: ProposalPipeline;
  kv!: KVMonitor;
  config!: ConfigMonitor;
  logm!: LogMonitor;
  health!: HealthMonitor;
  auth!: AuthMonitor;
  runner!: CommandRunner;
  services: PaxosService[] = [];
  admin!: MonSession;
  adminKey = CryptoKey.generate({ bytes: (n) => Buffer.alloc(n, 7) }, 1_700_000_000_000);

  static async create(): Promise<Harness> {
    const h = new Harness();
    await h.open(true);
    return h;
  }

  async open(mkfs: boolean): Promise<void> {
    this.store = await MonitorDBStore.open(this.kvBackend);
    this.pipeline = new ProposalPipeline(this.store, this.clock);
    const options = loadOptionTable();
    this.kv = new KVMonitor(this.store, () => 65536);
    this.config = new ConfigMonitor(this.store, this.kv, options);
    this.logm = new LogMonitor(this.store, { maxSummary: () => 50, maxEpochs: () => 500 });
    this.health = new HealthMonitor(this.store);
    const monKeyring = new KeyRing();
    monKeyring.add({ type: EntityType.MON, id: '' }, { key: CryptoKey.generate({ bytes: (n) => Buffer.alloc(n, 1) }, 0), caps: new Map([['mon', capsBlob('allow *')]]) });
    this.auth = new AuthMonitor(this.store, monKeyring, { globalIdPrealloc: () => 10000, authTtls: () => ({ mon: 259200, service: 3600 }) }, cryptoRandom);
    this.services = [this.kv, this.config, this.logm, this.health, this.auth];
    const dispatcher = new CommandDispatcher({
      audit: (level, text, now) =>
        this.logm.add({ name: { type: EntityType.MON, id: 'a' }, rank: { type: EntityType.MON, num: 0 }, addrs: [], stamp: utimeFromMs(now), seq: 0n, prio: level === 'info' ? 1 : 0, channel: 'audit', msg: text }),
    });
    dispatcher.register(this.kv.commands());
    dispatcher.register(configCommands(this.config, { fsid: () => FSID, monHost: () => '[v2:127.0.0.1:3300/0]', entityContext: (name) => ({ name, crushLocation: new Map(), deviceClass: '', crushTypeId: () => undefined, crushTypeCount: 11 }) }));
    dispatcher.register(this.logm.commands());
    dispatcher.register(this.health.commands());
    dispatcher.register(authCommands(this.auth));
    this.runner = new CommandRunner(this.pipeline, dispatcher, () => FSID);
    if (mkfs) {
      const kr = new KeyRing();
      kr.add({ type: EntityType.CLIENT, id: 'admin' }, { key: this.adminKey, caps: new Map([['mon', capsBlob('allow *')], ['osd', capsBlob('allow *')]]) });
      for (const s of this.services) s.createInitial(this.clock.wallNow());
      this.auth.createInitial(this.clock.wallNow(), kr);
      await this.pipeline.run(() => this.pipeline.propose(this.services.filter((s) => s !== this.health).concat([this.health])));
    } else {
      for (const s of this.services) {
        s.updateFromPaxos();
        s.createPending();
      }
    }
    this.admin = this.session('client.admin', MonCap.allowAll());
  }

  session(name: string, caps: MonCap): MonSession {
    const [type, id] = name.split('.') as [string, string];
    const t = type === 'client' ? EntityType.CLIENT : type === 'osd' ? EntityType.OSD : EntityType.MON;
    // A client's entity_name_t at the mon is client.? (its CLIENT_IDENT carried no global id yet).
    return new MonSession(1, { type: t, id }, { type: t, num: t === EntityType.CLIENT ? -1 : Number(id) }, [makeAddr(AddrType.ANY, '127.0.0.1', 0, 1234)], caps, 4100n, 0n);
  }

  /** Run a command given as a JS object (as the CLI's JSON). */
  async cmd(c: Record<string, unknown>, opts: { inbuf?: Buffer; as?: MonSession } = {}): Promise<CommandResult & { out: string }> {
    const r = await this.runner.run(opts.as ?? this.admin, [JSON.stringify(c)], opts.inbuf ?? Buffer.alloc(0));
    return { ...r, out: r.outbl.toString() };
  }

  /** Simulate kill -9 and restart: drop everything but the durable backend. */
  async restart(): Promise<void> {
    await this.open(false);
  }
}
