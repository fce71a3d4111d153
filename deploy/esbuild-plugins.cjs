'use strict';

/**
 * esbuild plugins for the Lambda bundles (serverless-esbuild `plugins: ./deploy/esbuild-plugins.cjs`).
 *
 * `shared/runtime/deps.ts` imports the embedded composition root lazily, but esbuild still follows a
 * literal `import('./embedded-deps.js')` and would pull the file and SQLite adapters (and the native
 * better-sqlite3 module) into every function. A Lambda only ever runs PHI_TARGET=aws, so the bundles get
 * a stand-in that refuses the embedded target with a message saying why.
 */
const EMBEDDED_ROOT = /[\\/]shared[\\/]runtime[\\/]deps\.(?:ts|js)$/;

const STAND_IN = `export function createEmbeddedDeps() {
  throw new Error('This Lambda bundle carries only the AWS adapters: set PHI_TARGET=aws.');
}
`;

const awsOnly = {
  name: 'phi-aws-only',
  setup(build) {
    build.onResolve({ filter: /^\.\/embedded-deps\.js$/ }, (args) =>
      EMBEDDED_ROOT.test(args.importer) ? { path: 'embedded-deps', namespace: 'phi-aws-only' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'phi-aws-only' }, () => ({ contents: STAND_IN, loader: 'js' }));
  },
};

module.exports = [awsOnly];
