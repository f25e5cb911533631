#!/usr/bin/env node
/** ts-osdmaptool: see src/tool/osdmaptool.ts. */
import { osdmaptoolMain } from '../tool/osdmaptool';

process.exitCode = osdmaptoolMain(process.argv.slice(2));
