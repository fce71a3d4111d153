/** Queue names: the ingest queue, and per consumer a deliver queue and a notification queue, each with a DLQ. */
export const queueNames = {
  ingest: 'ingest',
  deliver: (consumer: string) => `deliver-${consumer}`,
  notify: (consumer: string) => `notify-${consumer}`,
  deadLetter: (queue: string) => `${queue}-dlq`,
};

/**
 * The logical queue an SQS record came from: the last segment of its event source ARN, less the
 * deployment's name prefix (the Queue port adds the prefix itself).
 */
export const queueOfArn = (arn: string, prefix = ''): string => {
  const physical = arn.slice(arn.lastIndexOf(':') + 1);
  return prefix && physical.startsWith(prefix) ? physical.slice(prefix.length) : physical;
};
