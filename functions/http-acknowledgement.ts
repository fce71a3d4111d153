import { getAcknowledgement } from '../shared/app/acknowledgements.js';
import { getDeps } from '../shared/runtime/deps.js';
import { header, requestIdOf, sourceIpOf } from '../shared/runtime/http-event.js';
import { createHttpHandler } from '../shared/runtime/http-handler.js';
import { X12_MEDIA_TYPE } from '../shared/runtime/http-response.js';

/** GET /v1/submissions/{id}/acknowledgement[?type=999|ta1|277ca] */
export const createHandler = (deps = getDeps) =>
  createHttpHandler(deps, async (d, event) => {
    const ack = await getAcknowledgement(d, {
      authorization: header(event, 'authorization'),
      submissionId: event.pathParameters?.id ?? '',
      type: event.queryStringParameters?.type,
      requestId: requestIdOf(event),
      sourceIp: sourceIpOf(event),
    });
    return {
      statusCode: 200,
      headers: { 'Content-Type': X12_MEDIA_TYPE },
      body: new TextDecoder().decode(ack),
    };
  });

export const handler = createHandler();
