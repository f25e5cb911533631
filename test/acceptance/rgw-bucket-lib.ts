/**
 * The cluster a bucket-feature suite runs on (ts-osd or the real reference cluster) and the
 * ts-rgw set-up it shares with the other S3 tests (rgw-lib.ts).
 */
import { RunResult } from '@ts-ceph/testkit';

export { RgwHandle as RgwClient, rgwAdminBin, rgwBin, startRgw } from './rgw-lib';

export interface RgwTarget {
  conf: string;
  keyring: string;
  dir: string;
  /** The stock rados CLI (args include -p). */
  rados(args: string[]): Promise<RunResult>;
}
