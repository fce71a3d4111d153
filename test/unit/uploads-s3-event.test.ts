import { describe, expect, it } from 'vitest';
import { objectCreatedEvent } from '../../local/upload-route.js';
import { isS3Event, landedObjects } from '../../shared/app/uploads/s3-event.js';

const key = 'uploads/demo/0b7a3f1e-2c4d-4e5f-8a9b-0c1d2e3f4a5b/3';

describe('Function: landedObjects', () => {
  it('takes a completed multipart upload as it takes a single PUT', () => {
    for (const how of ['Put', 'CompleteMultipartUpload'] as const) {
      const event = objectCreatedEvent(
        { key, size: 42, eTag: '"abc-3"', how },
        'req',
        '127.0.0.1',
        new Date(),
      );
      expect(event.Records[0]?.eventName).toBe(`ObjectCreated:${how}`);
      expect(isS3Event(event)).toBe(true);
      expect(landedObjects(event)).toEqual([{ key, size: 42 }]);
    }
  });

  it('takes the EventBridge rule’s reasons, and ignores removals', () => {
    const record = (eventName: string) => ({
      Records: [
        {
          eventSource: 'aws:s3',
          eventName,
          s3: { bucket: { name: 'b' }, object: { key, size: 7 } },
        },
      ],
    });
    expect(landedObjects(record('ObjectCreated:CompleteMultipartUpload'))).toEqual([{ key, size: 7 }]);
    expect(landedObjects(record('ObjectCreated:PutObject'))).toEqual([{ key, size: 7 }]);
    expect(landedObjects(record('ObjectRemoved:Delete'))).toEqual([]);
  });
});
