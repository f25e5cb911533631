#!/usr/bin/env node
/**
 * ts-crushtool: a crushtool-compatible command over @ts-ceph/crush (see src/tool/crushtool.ts).
 */
import { runCrushtool } from '../tool/crushtool';

const r = runCrushtool(process.argv.slice(2));
if (r.stderr) process.stderr.write(r.stderr);
process.stdout.write(r.stdout);
process.exitCode = r.code;
