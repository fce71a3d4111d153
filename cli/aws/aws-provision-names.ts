/** Naming rules of `phi aws provision`, apart from the SDK so the CLI checks them before loading it. */

/** Prefix of every provisioned resource name: buckets, KMS aliases, SQS queues. */
export const PROVISION_NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

export const SQS_NAME_MAX = 80;
