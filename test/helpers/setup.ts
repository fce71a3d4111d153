// Powertools writes JSON log lines to stdout; tests capture them where they assert on them.
process.env.POWERTOOLS_DEV ??= 'false';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
