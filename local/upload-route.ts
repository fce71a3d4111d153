import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context, S3Event } from 'aws-lambda';
import { LocalUploadLanding } from '../shared/adapters/embedded/local-upload-landing.js';
import type { GetDeps } from '../shared/runtime/http-handler.js';
import { logFailure } from '../shared/runtime/logger.js';
import type { StreamRoute } from './http-host.js';
import { localLambdaContext } from './lambda-context.js';

type ArrivalHandler = (event: unknown, context: Context) => Promise<unknown>;

/** The bucket name the local landing zone gives in its events (there is no bucket; the key says all). */
const LOCAL_LANDING_BUCKET = 'local-landing';

/**
 * An S3 `ObjectCreated:Put` (single PUT) or `ObjectCreated:CompleteMultipartUpload` notification record
 * (event version 2.1), as S3 sends it to a Lambda.
 */
export function objectCreatedEvent(
  landed: { key: string; size: number; eTag: string; how?: 'Put' | 'CompleteMultipartUpload' },
  requestId: string,
  sourceIp: string,
  now: Date,
): S3Event {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'local',
        eventTime: now.toISOString(),
        eventName: `ObjectCreated:${landed.how ?? 'Put'}`,
        userIdentity: { principalId: 'local' },
        requestParameters: { sourceIPAddress: sourceIp },
        responseElements: { 'x-amz-request-id': requestId, 'x-amz-id-2': requestId },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'upload-arrived',
          bucket: {
            name: LOCAL_LANDING_BUCKET,
            ownerIdentity: { principalId: 'local' },
            arn: `arn:aws:s3:::${LOCAL_LANDING_BUCKET}`,
          },
          object: {
            key: encodeURIComponent(landed.key).replace(/%2F/g, '/'),
            size: landed.size,
            eTag: landed.eTag.replace(/"/g, ''),
            sequencer: now.getTime().toString(16).toUpperCase().padStart(16, '0'),
          },
        },
      },
    ],
  };
}

/**
 * S3 invokes its notification target asynchronously and retries a failed invocation twice; so does
 * this, after the PUT has been answered.
 */
async function notify(arrived: ArrivalHandler, event: S3Event, requestId: string): Promise<void> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await arrived(event, localLambdaContext('upload-arrived', requestId));
      return;
    } catch (error) {
      logFailure('upload arrival failed', error, { attempt });
      await sleep(1000 * attempt);
    }
  }
}

/**
 * `/uploads/{partner}/{submissionId}/{index}?X-Phi-…`: the upload URLs the embedded landing zone signs
 * (shared/adapters/embedded/local-upload-landing.ts): `PUT` a whole file or (with `uploadId` and
 * `partNumber`) a part, `GET` the parts of a multipart upload, `POST` its completion. Bodies are
 * streamed from the socket into the landing zone, never buffered; a landed file (a PUT, or a completed
 * multipart upload) becomes an S3-shaped event for the arrival handler.
 */
export function uploadRoutes(getDeps: GetDeps, arrived: ArrivalHandler): StreamRoute[] {
  return (['PUT', 'GET', 'POST'] as const).map((method) => uploadRoute(getDeps, arrived, method));
}

function uploadRoute(getDeps: GetDeps, arrived: ArrivalHandler, method: 'PUT' | 'GET' | 'POST'): StreamRoute {
  return {
    method,
    path: '/uploads/{partner}/{submissionId}/{index}',
    functionName: 'upload-landing',
    stream: async (req: IncomingMessage, url: URL, requestId: string) => {
      const deps = await getDeps();
      const landing = deps.uploads;
      if (!(landing instanceof LocalUploadLanding)) {
        return {
          statusCode: 404,
          headers: { 'Content-Type': 'application/xml' },
          body: '',
          closeAfter: true,
        };
      }
      const checksum = req.headersDistinct['x-amz-checksum-sha256'];
      const answer = await landing.receive({
        method,
        key: url.pathname.slice(1),
        query: url.searchParams,
        contentLength: req.headers['content-length'],
        checksumSha256: checksum?.length === 1 ? checksum[0] : undefined,
        body: req,
      });
      if (answer.landed !== undefined) {
        const event = objectCreatedEvent(
          answer.landed,
          requestId,
          req.socket.remoteAddress ?? 'unknown',
          deps.clock.now(),
        );
        setImmediate(() => void notify(arrived, event, requestId));
      }
      return {
        statusCode: answer.status,
        headers: { ...answer.headers },
        body: answer.body,
        closeAfter: answer.bodyUnread === true,
      };
    },
  };
}
