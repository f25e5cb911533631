// Loaded into every tap test process (package.json "tap"."node-arg", after tap's own imports):
// keeps tap's process tracker out of the processes a test starts.
//
// tap runs each test file with @tapjs/processinfo imported, and that module hooks every spawn
// (process-on-spawn) to put itself into the child's NODE_OPTIONS, so every ts-mon, ts-osd, ts-rgw,
// crash-test child and CLI run a test starts also loads it: an ESM loader on its own hooks thread
// and a JSON record written at exit, about 0.3 s of CPU per node start-up on this machine, and
// the suites start thousands of them. It only serves coverage and `tap --changed`, both unused
// here (coverage is disabled), so the test file itself keeps it and its children do not.
import { createRequire } from 'node:module';

// NODE_OPTIONS quotes the value: "--import=file:///.../@tapjs/processinfo/dist/esm/import.mjs".
const trackerImport = /"?--(?:import|loader|experimental-loader)[= ][^\s"]*@tapjs[\\/]processinfo[^\s"]*"?/g;

/** NODE_OPTIONS without tap's tracker, or undefined when nothing else is left in it. */
function withoutTracker(options) {
  const rest = options.replace(trackerImport, '').trim().replace(/\s+/g, ' ');
  return rest === '' ? undefined : rest;
}

let onSpawn;
try {
  onSpawn = createRequire(import.meta.url)('process-on-spawn');
} catch {
  // A tap without process-on-spawn tracks nothing through it: nothing to undo.
}
if (onSpawn) {
  // Added after processinfo's listener (this import comes after tap's), so it sees and undoes it.
  onSpawn.addListener((spawned) => {
    const options = spawned.env.NODE_OPTIONS;
    if (options === undefined || !options.includes('@tapjs')) return;
    const env = { ...spawned.env };
    const rest = withoutTracker(options);
    if (rest === undefined) delete env.NODE_OPTIONS;
    else env.NODE_OPTIONS = rest;
    for (const k of Object.keys(env)) if (k.startsWith('_TAPJS_PROCESSINFO_')) delete env[k];
    spawned.env = env;
  });
}
