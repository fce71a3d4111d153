import {
  asArray,
  asObject,
  isObject,
  type Json,
  type JsonObject,
  type Resource,
  referencedId,
  resources,
  type Template,
} from './cfn-template.js';

/**
 * Our own policy rules over the packaged CloudFormation template. Each check returns the violations
 * it found (resource ids and the rule broken), empty when the template complies.
 */
export type Check = (template: Template) => string[];

const DLQ_RETENTION_SECONDS = 1_209_600;
const SQS_DEFAULT_RETENTION_SECONDS = 345_600;
const SQS_DEFAULT_VISIBILITY_SECONDS = 30;

const isFalse = (value: unknown) => value === false || value === 'false';
const isWildcardPrincipal = (principal: unknown): boolean =>
  principal === '*' || (isObject(principal) && asArray(principal.AWS).includes('*'));

/** The TLS-only statement: deny every S3 action on the bucket and its objects when not over TLS. */
function deniesInsecureTransport(statement: JsonObject, bucketId: string): boolean {
  const condition = asObject(asObject(statement.Condition).Bool);
  const resourcesText = JSON.stringify(statement.Resource ?? null);
  return (
    statement.Effect === 'Deny' &&
    isWildcardPrincipal(statement.Principal) &&
    asArray(statement.Action).some((a) => a === 's3:*' || a === '*') &&
    isFalse(condition['aws:SecureTransport']) &&
    resourcesText.includes(bucketId) &&
    resourcesText.includes('/*')
  );
}

export const checkBuckets: Check = (template) => {
  const violations: string[] = [];
  const policies = resources(template, 'AWS::S3::BucketPolicy');
  for (const bucket of resources(template, 'AWS::S3::Bucket')) {
    const p = bucket.properties;
    const rules = asArray(asObject(p.BucketEncryption).ServerSideEncryptionConfiguration);
    const kms = rules.every(
      (rule) => asObject(asObject(rule).ServerSideEncryptionByDefault).SSEAlgorithm === 'aws:kms',
    );
    if (rules.length === 0 || !kms) violations.push(`${bucket.id}: not SSE-KMS encrypted`);
    const block = asObject(p.PublicAccessBlockConfiguration);
    const flags = ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'];
    if (!flags.every((flag) => block[flag] === true))
      violations.push(`${bucket.id}: public access not blocked`);
    if (asObject(p.VersioningConfiguration).Status !== 'Enabled')
      violations.push(`${bucket.id}: not versioned`);
    const tlsOnly = policies
      .filter((policy) => referencedId(policy.properties.Bucket) === bucket.id)
      .flatMap((policy) => asArray(asObject(policy.properties.PolicyDocument).Statement))
      .some((statement) => deniesInsecureTransport(asObject(statement), bucket.id));
    if (!tlsOnly) violations.push(`${bucket.id}: no bucket policy denying aws:SecureTransport=false`);
  }
  return violations;
};

const KMS_KEY_ID_CONDITION = 's3:x-amz-server-side-encryption-aws-kms-key-id';

/**
 * The bucket's default SSE-KMS key is `keyId`, and its policy refuses every put that names another
 * key (the adapters name theirs on every put, so the policy is what holds them to this one).
 */
export const checkBucketKey =
  (bucketId: string, keyId: string): Check =>
  (template) => {
    const bucket = resources(template, 'AWS::S3::Bucket').find((b) => b.id === bucketId);
    if (bucket === undefined) return [`${bucketId}: missing`];
    const violations: string[] = [];
    const defaults = asArray(
      asObject(bucket.properties.BucketEncryption).ServerSideEncryptionConfiguration,
    ).map((rule) => asObject(asObject(rule).ServerSideEncryptionByDefault));
    if (defaults.length === 0 || !defaults.every((d) => referencedId(d.KMSMasterKeyID) === keyId)) {
      violations.push(`${bucketId}: default encryption is not ${keyId}`);
    }
    const required = resources(template, 'AWS::S3::BucketPolicy')
      .filter((policy) => referencedId(policy.properties.Bucket) === bucketId)
      .flatMap((policy) => asArray(asObject(policy.properties.PolicyDocument).Statement).map(asObject))
      .filter((st) => st.Effect === 'Deny' && asArray(st.Action).includes('s3:PutObject'))
      .map((st) => asObject(asObject(st.Condition).StringNotEqualsIfExists)[KMS_KEY_ID_CONDITION])
      .filter((key) => key !== undefined);
    if (required.length === 0 || !required.every((key) => referencedId(key) === keyId)) {
      violations.push(`${bucketId}: bucket policy does not refuse puts naming a key other than ${keyId}`);
    }
    return violations;
  };

export const checkObjectLock =
  (auditBucketId: string): Check =>
  (template) => {
    const bucket = resources(template, 'AWS::S3::Bucket').find((b) => b.id === auditBucketId);
    if (bucket === undefined) return [`${auditBucketId}: missing`];
    const config = asObject(bucket.properties.ObjectLockConfiguration);
    const retention = asObject(asObject(config.Rule).DefaultRetention);
    const period = Number(retention.Days ?? 0) + Number(retention.Years ?? 0);
    const violations: string[] = [];
    if (bucket.properties.ObjectLockEnabled !== true || config.ObjectLockEnabled !== 'Enabled') {
      violations.push(`${auditBucketId}: Object Lock not enabled`);
    }
    if (retention.Mode !== 'COMPLIANCE' || !(period > 0)) {
      violations.push(`${auditBucketId}: no compliance-mode default retention`);
    }
    return violations;
  };

const retentionOf = (queue: Resource | undefined) =>
  Number(queue?.properties.MessageRetentionPeriod ?? SQS_DEFAULT_RETENTION_SECONDS);

export const checkQueues =
  (maxReceiveCount: number): Check =>
  (template) => {
    const violations: string[] = [];
    const queues = new Map(resources(template, 'AWS::SQS::Queue').map((q) => [q.id, q]));
    const deadLetterIds = new Set(
      [...queues.values()]
        .map((q) => referencedId(asObject(q.properties.RedrivePolicy).deadLetterTargetArn))
        .filter((id): id is string => id !== undefined),
    );
    for (const queue of queues.values()) {
      if (!queue.properties.KmsMasterKeyId) violations.push(`${queue.id}: no KMS key`);
      if (deadLetterIds.has(queue.id)) {
        if (retentionOf(queue) !== DLQ_RETENTION_SECONDS)
          violations.push(`${queue.id}: DLQ retention not 14 days`);
        continue;
      }
      const redrive = asObject(queue.properties.RedrivePolicy);
      const target = queues.get(referencedId(redrive.deadLetterTargetArn) ?? '');
      if (target === undefined) {
        violations.push(`${queue.id}: no RedrivePolicy to a queue of this stack`);
        continue;
      }
      if (retentionOf(target) !== DLQ_RETENTION_SECONDS)
        violations.push(`${target.id}: DLQ retention not 14 days`);
      if (!(retentionOf(queue) < retentionOf(target))) violations.push(`${queue.id}: outlives its DLQ`);
      if (Number(redrive.maxReceiveCount) !== maxReceiveCount) {
        violations.push(`${queue.id}: maxReceiveCount is not PHI_MAX_RECEIVE_COUNT (${maxReceiveCount})`);
      }
    }
    return violations;
  };

export const checkEventSources: Check = (template) => {
  const violations: string[] = [];
  for (const mapping of resources(template, 'AWS::Lambda::EventSourceMapping')) {
    const p = mapping.properties;
    if (!asArray(p.FunctionResponseTypes).includes('ReportBatchItemFailures')) {
      violations.push(`${mapping.id}: no ReportBatchItemFailures`);
    }
    const queue = asObject(template.Resources[referencedId(p.EventSourceArn) ?? '']);
    const fn = asObject(template.Resources[referencedId(p.FunctionName) ?? '']);
    const fnProps = asObject(fn.Properties);
    const visibility = Number(asObject(queue.Properties).VisibilityTimeout ?? SQS_DEFAULT_VISIBILITY_SECONDS);
    const needed = 6 * Number(fnProps.Timeout ?? 3) + Number(p.MaximumBatchingWindowInSeconds ?? 0);
    if (!(visibility >= needed))
      violations.push(`${mapping.id}: queue visibility ${visibility} s < ${needed} s`);
    const maxConcurrency = asObject(p.ScalingConfig).MaximumConcurrency;
    if (
      maxConcurrency !== undefined &&
      Number(maxConcurrency) > Number(fnProps.ReservedConcurrentExecutions ?? Number.POSITIVE_INFINITY)
    ) {
      violations.push(`${mapping.id}: more pollers than reserved concurrency`);
    }
  }
  return violations;
};

export const checkKeys: Check = (template) => {
  const violations: string[] = [];
  for (const key of resources(template, 'AWS::KMS::Key')) {
    const spec = key.properties.KeySpec ?? 'SYMMETRIC_DEFAULT';
    if (spec === 'SYMMETRIC_DEFAULT') {
      if (key.properties.EnableKeyRotation !== true) violations.push(`${key.id}: rotation off`);
    } else if (spec !== 'ECC_NIST_P256' || key.properties.KeyUsage !== 'SIGN_VERIFY') {
      // The only asymmetric key is the token signer; KMS cannot rotate asymmetric keys.
      violations.push(`${key.id}: asymmetric key other than the ECC_NIST_P256 SIGN_VERIFY issuer key`);
    }
  }
  return violations;
};

interface PolicyDocument {
  readonly owner: string;
  /** Resource policies (key, bucket, queue, topic) name principals; identity policies do not. */
  readonly resourcePolicy: boolean;
  readonly document: Json | undefined;
}

function policyDocuments(template: Template): PolicyDocument[] {
  const docs: PolicyDocument[] = [];
  for (const r of resources(template)) {
    const p = r.properties;
    if (r.type === 'AWS::IAM::Role') {
      for (const policy of asArray(p.Policies)) {
        docs.push({ owner: r.id, resourcePolicy: false, document: asObject(policy).PolicyDocument });
      }
    } else if (r.type === 'AWS::IAM::ManagedPolicy' || r.type === 'AWS::IAM::Policy') {
      docs.push({ owner: r.id, resourcePolicy: false, document: p.PolicyDocument });
    } else if (r.type === 'AWS::KMS::Key') {
      docs.push({ owner: r.id, resourcePolicy: true, document: p.KeyPolicy });
    } else if (['AWS::S3::BucketPolicy', 'AWS::SQS::QueuePolicy', 'AWS::SNS::TopicPolicy'].includes(r.type)) {
      docs.push({ owner: r.id, resourcePolicy: true, document: p.PolicyDocument });
    }
  }
  return docs;
}

const isWildcardAction = (action: Json) =>
  typeof action === 'string' && (action === '*' || /^[A-Za-z0-9-]+:\*$/.test(action));

export const checkWildcards: Check = (template) => {
  const violations: string[] = [];
  for (const { owner, resourcePolicy, document } of policyDocuments(template)) {
    asArray(asObject(document).Statement).forEach((raw, index) => {
      const statement = asObject(raw);
      const where = `${owner} statement ${String(statement.Sid ?? index)}`;
      if (statement.Effect === 'Allow' && statement.NotAction !== undefined) {
        violations.push(`${where}: Allow with NotAction`);
      }
      const wildcard =
        asArray(statement.Action).some(isWildcardAction) && asArray(statement.Resource).includes('*');
      if (!wildcard) return;
      const scoped =
        resourcePolicy && (!isWildcardPrincipal(statement.Principal) || isObject(statement.Condition));
      if (!scoped) violations.push(`${where}: wildcard action on a wildcard resource`);
    });
  }
  return violations;
};

const logGroupNameOf = (fn: Resource) => `/aws/lambda/${String(fn.properties.FunctionName)}`;

export const checkFunctions: Check = (template) => {
  const violations: string[] = [];
  const roleUsers = new Map<string, string[]>();
  const logGroups = resources(template, 'AWS::Logs::LogGroup');
  for (const fn of resources(template, 'AWS::Lambda::Function')) {
    const p = fn.properties;
    const role = referencedId(p.Role);
    if (role === undefined || asObject(template.Resources[role]).Type !== 'AWS::IAM::Role') {
      violations.push(`${fn.id}: no role of its own in this stack`);
    } else {
      roleUsers.set(role, [...(roleUsers.get(role) ?? []), fn.id]);
    }
    const logGroup = logGroups.find((g) => g.properties.LogGroupName === logGroupNameOf(fn));
    if (logGroup === undefined) violations.push(`${fn.id}: no log group`);
    else {
      if (!(Number(logGroup.properties.RetentionInDays) > 0)) violations.push(`${logGroup.id}: no retention`);
      if (!logGroup.properties.KmsKeyId) violations.push(`${logGroup.id}: no KMS key`);
    }
    if (asObject(p.TracingConfig).Mode !== 'Active') violations.push(`${fn.id}: X-Ray tracing not active`);
    if (!(typeof p.ReservedConcurrentExecutions === 'number' && p.ReservedConcurrentExecutions >= 1)) {
      violations.push(`${fn.id}: no reserved concurrency`);
    }
  }
  for (const [role, users] of roleUsers) {
    if (users.length > 1) violations.push(`${role}: shared by ${users.join(', ')}`);
  }
  return violations;
};

function alarmsOn(template: Template, namespace: string, metric: string, dimension: string, id: string) {
  return resources(template, 'AWS::CloudWatch::Alarm').filter((alarm) => {
    const p = alarm.properties;
    const dimensions = asArray(p.Dimensions).map(asObject);
    return (
      p.Namespace === namespace &&
      p.MetricName === metric &&
      dimensions.some((d) => d.Name === dimension && referencedId(d.Value) === id) &&
      asArray(p.AlarmActions).length > 0
    );
  });
}

/** Fires on the first message: > 0, or >= 1. */
const firesOnAny = (alarm: Resource) =>
  (alarm.properties.ComparisonOperator === 'GreaterThanThreshold' &&
    Number(alarm.properties.Threshold) === 0) ||
  (alarm.properties.ComparisonOperator === 'GreaterThanOrEqualToThreshold' &&
    Number(alarm.properties.Threshold) === 1);

export const checkAlarms: Check = (template) => {
  const violations: string[] = [];
  const queues = resources(template, 'AWS::SQS::Queue');
  const deadLetters = new Set(
    queues.map((q) => referencedId(asObject(q.properties.RedrivePolicy).deadLetterTargetArn)),
  );
  for (const queue of queues.filter((q) => deadLetters.has(q.id))) {
    const depth = alarmsOn(template, 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', queue.id);
    if (!depth.some(firesOnAny)) violations.push(`${queue.id}: no alarm on depth > 0`);
  }
  for (const fn of resources(template, 'AWS::Lambda::Function')) {
    for (const metric of ['Errors', 'Throttles']) {
      if (alarmsOn(template, 'AWS/Lambda', metric, 'FunctionName', fn.id).length === 0) {
        violations.push(`${fn.id}: no ${metric} alarm`);
      }
    }
  }
  return violations;
};
