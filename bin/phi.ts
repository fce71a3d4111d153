#!/usr/bin/env node
// Off Lambda, EMF metric lines would only clutter the terminal; a deployment sets its own value.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
const { runCli } = await import('../shared/cli/program.js');
await runCli(process.argv);
