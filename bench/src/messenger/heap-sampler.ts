// Bytes allocated on the JS heap per message, from V8's sampling heap profiler with the objects
// that minor and major GCs collected kept in the profile (otherwise it reports only what is still
// alive at the end, which for a message path is nearly nothing). ArrayBuffer backing stores live
// outside the heap: a Buffer shows here only as its small JS objects.
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

export class HeapSampler {
  private constructor(private readonly session: Session) {}

  static async start(): Promise<HeapSampler> {
    const session = new Session();
    session.connect();
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    return new HeapSampler(session);
  }

  /** Stop; a line with bytes per message and the top allocating functions. */
  async stop(msgs: number): Promise<string> {
    const { profile } = (await this.session.post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
    await this.session.post('HeapProfiler.disable');
    this.session.disconnect();
    const byFn = new Map<string, number>();
    let total = 0;
    const walk = (n: ProfileNode): void => {
      if (n.selfSize) {
        const url = n.callFrame.url.replace(/^.*\/(packages|bench|node_modules)\//, '$1/');
        const key = `${n.callFrame.functionName || '(anon)'} ${url}:${n.callFrame.lineNumber + 1}`;
        byFn.set(key, (byFn.get(key) ?? 0) + n.selfSize);
        total += n.selfSize;
      }
      for (const c of n.children) walk(c);
    };
    walk(profile.head);
    const top = [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 8);
    return `${(total / msgs).toFixed(0)} B/msg; top: ${top.map(([k, v]) => `${k} ${(v / msgs).toFixed(0)}`).join(', ')}`;
  }
}
