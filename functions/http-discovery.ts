import { issuerJwks, smartConfiguration } from '../shared/app/discovery.js';
import { getDeps } from '../shared/runtime/deps.js';
import { createHttpHandler } from '../shared/runtime/http-handler.js';
import { jsonResponse } from '../shared/runtime/http-response.js';

/** GET /.well-known/smart-configuration and GET /.well-known/jwks.json */
export const createHandler = (deps = getDeps) =>
  createHttpHandler(deps, async (d, event) =>
    event.routeKey === 'GET /.well-known/jwks.json'
      ? jsonResponse(200, await issuerJwks(d), { contentType: 'application/jwk-set+json' })
      : jsonResponse(200, smartConfiguration(d)),
  );

export const handler = createHandler();
