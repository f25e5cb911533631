/**
 * @ts-ceph/crush: CRUSH bit-exact with Ceph 16.2 (hash, buckets, rules, tunables, device classes,
 * choose_args), the CrushWrapper encoding, the crushtool text format and the map-editing operations
 * of CrushWrapper. Pure: no I/O, no clock.
 */
export * from './types';
export * from './hash';
export { crushLn, straw2Ln } from './ln';
export { CrushWork } from './choose';
export { doRule, crushFindRule, CrushMapView, WeightVector, DoRuleOptions } from './mapper';
export * from './builder';
export * from './tunables';
export * from './rule-steps';
export * from './wrapper';
export * from './choose-args';
export * from './classes';
export * from './edit';
export * from './edit-rules';
export * from './encoding';
export * from './simple';
export * from './tester';
export * from './limits';
export * from './cfmt';
export * from './text/compile';
export * from './text/decompile';
export * from './api';
import './wire-types';
