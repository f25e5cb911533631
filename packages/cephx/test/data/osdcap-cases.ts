/**
 * Every OSDCap::is_capable assertion of Ceph's src/test/osd/osdcap.cc (v16.2.5), ported as data
 * (generated once from that file; do not edit by hand), in three files by the tests they come from.
 */
import { osdIsCapableBasic } from './osdcap-cases-basic';
import { osdIsCapablePool } from './osdcap-cases-pool';
import { osdIsCapableClass } from './osdcap-cases-class';

/** [ceph test, cap, pool, namespace, app metadata, object, may_read, may_write, [class, method, read, write, allowed][], peer ip | null, expected] */
export type OsdCapCase = [string, string, string, string, Record<string, Record<string, string>>, string, boolean, boolean, [string, string, boolean, boolean, boolean][], string | null, boolean];

/** All of them, in the order of osdcap.cc. */
export const osdIsCapable: OsdCapCase[] = [...osdIsCapableBasic, ...osdIsCapablePool, ...osdIsCapableClass];
