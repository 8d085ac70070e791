// Imported first by main.ts, before cdktf and the provider bindings load.
//
// tsx turns on Node's source-map support so that stack traces point into the TypeScript. Node
// then parses the inline source map of every module it loads afterwards, and cdktf captures a
// full stack trace for every token it creates, each mapped through those maps: together about
// 30 % of the CPU of a small synth (bench/synth.ts, `node --cpu-prof`). Synth reports
// configuration problems as lists, never as stack traces, so they are off for the app; tests
// and scripts run under tsx keep them.
process.setSourceMapsEnabled(false);
