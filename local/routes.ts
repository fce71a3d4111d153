import { createHandler as acknowledgement } from '../functions/http-acknowledgement.js';
import { createHandler as discovery } from '../functions/http-discovery.js';
import { createHandler as uploadErrors } from '../functions/http-errors.js';
import { createHandler as ingest } from '../functions/http-ingest.js';
import { createHandler as notFound } from '../functions/http-not-found.js';
import { createHandler as status } from '../functions/http-status.js';
import { createHandler as token } from '../functions/http-token.js';
import { createHandler as uploads } from '../functions/http-uploads.js';
import { createHandler as uploadArrived } from '../functions/s3-upload-arrived.js';
import type { GetDeps } from '../shared/runtime/http-handler.js';
import type { HttpRoute, StreamRoute } from './http-host.js';
import { uploadRoutes } from './upload-route.js';

/** The HTTP API's routes; serverless.yml declares the same table (a test keeps the two in step). */
export function httpRoutes(getDeps: GetDeps): { routes: (HttpRoute | StreamRoute)[]; fallback: HttpRoute } {
  const h = {
    discovery: discovery(getDeps),
    token: token(getDeps),
    ingest: ingest(getDeps),
    status: status(getDeps),
    acknowledgement: acknowledgement(getDeps),
    uploads: uploads(getDeps),
    errors: uploadErrors(getDeps),
  };
  return {
    routes: [
      {
        method: 'GET',
        path: '/.well-known/smart-configuration',
        functionName: 'discovery',
        handler: h.discovery,
      },
      { method: 'GET', path: '/.well-known/jwks.json', functionName: 'discovery', handler: h.discovery },
      { method: 'POST', path: '/v1/token', functionName: 'token', handler: h.token },
      { method: 'POST', path: '/v1/bundles', functionName: 'ingest', handler: h.ingest },
      { method: 'POST', path: '/v1/claims', functionName: 'ingest', handler: h.ingest },
      { method: 'GET', path: '/v1/submissions/{id}', functionName: 'status', handler: h.status },
      {
        method: 'GET',
        path: '/v1/submissions/{id}/acknowledgement',
        functionName: 'acknowledgement',
        handler: h.acknowledgement,
      },
      { method: 'POST', path: '/v1/uploads', functionName: 'uploads', handler: h.uploads },
      { method: 'GET', path: '/v1/submissions/{id}/errors', functionName: 'errors', handler: h.errors },
      // Not API Gateway routes: on AWS the upload URLs are S3's own (presigned PUTs and multipart).
      ...uploadRoutes(getDeps, uploadArrived(getDeps)),
    ],
    fallback: { method: 'GET', path: '$default', functionName: 'not-found', handler: notFound(getDeps) },
  };
}
