'use strict';

const path = require('node:path');

/**
 * esbuild plugins for the Lambda bundles (serverless-esbuild `plugins: ./deploy/esbuild-plugins.cjs`).
 * Each one keeps out of a bundle code its handler can never run: what is not in the file is neither
 * downloaded nor compiled at cold start (bench/lambda-init.ts measures both).
 */

/**
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

/**
 * The Encryption SDK's umbrella package has no `module` field, so esbuild takes its CommonJS build,
 * whose index requires every keyring: the hierarchical one brings the whole DynamoDB client, the raw
 * RSA one bn.js and asn1.js. Its ES build (shipped beside it, `sideEffects: false`) re-exports the
 * same modules, so esbuild keeps only the keyrings and clients the code names.
 */
const encryptionSdkEsm = {
  name: 'phi-encryption-sdk-esm',
  setup(build) {
    build.onResolve({ filter: /^@aws-crypto\/client-node$/ }, (args) => {
      const manifest = require.resolve('@aws-crypto/client-node/package.json', { paths: [args.resolveDir] });
      return { path: path.join(path.dirname(manifest), 'build', 'module', 'src', 'index.js') };
    });
  },
};

/**
 * zod's `z` is a namespace object, so esbuild keeps everything it re-exports, the error messages of
 * all 40-odd locales among them (a quarter of zod in a bundle). The pipeline never selects a locale:
 * zod configures English itself, and `z.locales` keeps only `en` here.
 */
const ZOD_LOCALES = /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/;

const zodEnglishOnly = {
  name: 'phi-zod-english-only',
  setup(build) {
    build.onLoad({ filter: ZOD_LOCALES }, () => ({
      contents: 'export { default as en } from "./en.js";\n',
      loader: 'js',
    }));
  },
};

module.exports = [awsOnly, encryptionSdkEsm, zodEnglishOnly];
