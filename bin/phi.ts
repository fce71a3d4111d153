#!/usr/bin/env node
// Set before any module builds the Powertools instances, which read these once at construction.
// Off Lambda, EMF metric lines would only clutter the terminal; a deployment sets its own value.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// The demo narrates each step itself; the pipeline's JSON log lines would drown it.
if (process.argv[2] === 'demo') process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
const { runCli } = await import('../cli/program.js');
await runCli(process.argv);
