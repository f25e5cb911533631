/**
 * Acceptance 1: randomly built maps (seeds 1..30; see lib/gen.ts), every rule, x 0..1023,
 * num-rep 1..5, compared with crushtool line for line.
 */
import t from 'tap';
import { testGeneratedSeeds } from './lib/gen';

testGeneratedSeeds(t, 1, 30);
