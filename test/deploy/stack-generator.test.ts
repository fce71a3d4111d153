import { describe, expect, it } from 'vitest';
import { asArray, asObject, type Template } from './cfn-template.js';
import { checkWildcards } from './policy-checks.js';
import { buildTestStack, STACK, type Stack } from './stack-builder.js';

const build = buildTestStack;

const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return '';
};

const policyOf = (stack: Stack, roleId: string) =>
  asArray(
    asObject(
      asObject(asArray(asObject(asObject(stack.resources.Resources[roleId]).Properties).Policies)[0])
        .PolicyDocument,
    ).Statement,
  ).map(asObject);

describe('deploy/stack.cjs: consumers', () => {
  it('gives a consumer added to the list its own key, queues, function, role, policy and alarms', () => {
    const before = build(['analytics']);
    const after = build(['analytics', 'data-lake']);
    const added = Object.keys(after.resources.Resources).filter((id) => !(id in before.resources.Resources));
    expect(added.sort()).toEqual(
      [
        'ConsumerDataLakeKey',
        'ConsumerDataLakeKeyAlias',
        'DeliverDataLakeQueue',
        'DeliverDataLakeDeadLetterQueue',
        'NotifyDataLakeQueue',
        'NotifyDataLakeDeadLetterQueue',
        'ConsumerDataLakeQueuesTransportPolicy',
        'DeliverDataLakeRole',
        'ConsumerDataLakeAccessPolicy',
        'DeliverDataLakeDeadLetterQueueDepthAlarm',
        'NotifyDataLakeDeadLetterQueueDepthAlarm',
        'DeliverDataLakeQueueAgeAlarm',
        'DeliverDataLakeErrorsAlarm',
        'DeliverDataLakeThrottlesAlarm',
        'DeliverDataLakeDeadLetterQueueAgeAlarm',
        'NotifyDataLakeDeadLetterQueueAgeAlarm',
        'DeliverDataLakeQueueBacklogAlarm',
      ].sort(),
    );
    expect(Object.keys(after.functions)).toEqual(['deliverAnalytics', 'deliverDataLake']);
    const queue = asObject(after.resources.Resources.NotifyDataLakeDeadLetterQueue);
    expect(asObject(queue.Properties).QueueName).toBe('phi-pipeline-dev-notify-data-lake-dlq');
    const keyIdParts = asArray(asArray(asObject(after.consumerKeyIds)['Fn::Join'])[1]);
    expect(keyIdParts).toContain(',"data-lake":"');
    // The process function fans out to the new deliver queue; the replay function reaches its DLQs.
    expect(JSON.stringify(policyOf(after, 'ProcessRole'))).toContain('DeliverDataLakeQueue');
    expect(JSON.stringify(policyOf(after, 'ReplayRole'))).toContain('NotifyDataLakeDeadLetterQueue');
  });

  it('refuses consumer ids that cannot be queue names, key names or resource names', () => {
    expect(errorOf(() => build(['Analytics']))).toMatch(/consumer "Analytics" must match/);
    expect(errorOf(() => build(['lake', 'lake']))).toMatch(/map to one resource name/);
    expect(errorOf(() => build([]))).toMatch(/lists no consumer/);
    expect(errorOf(() => build(['a'.repeat(41)]))).toMatch(/over 64/);
    expect(errorOf(() => build(['a'.repeat(40)]))).toBe('');
    const longPrefix = { queuePrefix: 'p'.repeat(40) };
    expect(errorOf(() => build(['a'.repeat(30)], longPrefix))).toMatch(/over 80 characters/);
    expect(errorOf(() => build(['a'.repeat(29)], longPrefix))).toBe('');
  });
});

describe('deploy/stack.cjs: least privilege', () => {
  const stack = build(['analytics', 'research']);

  it('keeps each deliver role to its own consumer key, prefixes and queues', () => {
    const text = JSON.stringify(policyOf(stack, 'DeliverAnalyticsRole'));
    expect(text).toContain('ConsumerAnalyticsKey');
    expect(text).not.toContain('Research');
    expect(text).not.toContain('consumers/research');
    const consumerKey = policyOf(stack, 'DeliverAnalyticsRole').find((s) => s.Sid === 'EncryptForConsumer');
    expect(asObject(consumerKey?.Condition).StringEquals).toEqual({
      'kms:EncryptionContext:phi-key': 'consumer:analytics',
      'kms:EncryptionContext:purpose': ['consumer-copy', 'deid-secret'],
    });
  });

  it('lets ingest only generate raw-submission and acknowledgement data keys, and only the upload arrival delete objects', () => {
    const dataKey = policyOf(stack, 'IngestRole').filter((s) =>
      JSON.stringify(s.Resource).includes('"DataKey"'),
    );
    expect(dataKey.map((s) => s.Action)).toEqual([['kms:GenerateDataKey']]);
    expect(asObject(dataKey[0]?.Condition).StringEquals).toMatchObject({
      'kms:EncryptionContext:purpose': ['raw-submission', 'acknowledgement'],
    });
    const { UploadArrivedRole, ...others } = stack.resources.Resources;
    const everything = JSON.stringify(others);
    expect(everything).not.toContain('s3:DeleteObject');
    expect(UploadArrivedRole).toBeDefined();
    // Landed uploads once settled, and the raw files of a failed bulk submission: nothing else.
    const deletes = policyOf(stack, 'UploadArrivedRole').filter((s) =>
      JSON.stringify(asObject(s).Action).includes('s3:DeleteObject'),
    );
    expect(deletes.map((s) => JSON.stringify(asObject(s).Resource))).toEqual([
      JSON.stringify([
        { 'Fn::Sub': `\${DataBucket.Arn}/uploads/*` },
        { 'Fn::Sub': `\${DataBucket.Arn}/raw/*` },
      ]),
    ]);
    expect(everything).not.toContain('kms:ScheduleKeyDeletion');
  });

  it("scopes a consumer's access policy to its prefix, its queue and its encryption context", () => {
    const policy = asObject(asObject(stack.resources.Resources.ConsumerResearchAccessPolicy).Properties);
    const statements = asArray(asObject(policy.PolicyDocument).Statement).map(asObject);
    const bySid = (sid: string) => statements.find((s) => s.Sid === sid);
    expect(JSON.stringify(bySid('ReadOwnCopies')?.Resource)).toContain('/consumers/research/*');
    expect(asObject(bySid('DecryptOwnCopies')?.Condition).StringEquals).toEqual({
      'kms:EncryptionContext:consumer': 'research',
      'kms:EncryptionContext:purpose': 'consumer-copy',
      'kms:EncryptionContext:phi-key': 'consumer:research',
    });
    expect(JSON.stringify(bySid('ReadOwnNotifications')?.Resource)).toContain('NotifyResearchQueue');
    expect(JSON.stringify(statements)).not.toContain('Analytics');
  });

  it('uses the audit key for the audit chain only, through S3 and for the audit bucket only', () => {
    const resources = stack.resources.Resources;
    const props = (id: string) => asObject(asObject(resources[id]).Properties);
    expect(props('AuditKey')).toMatchObject({ KeySpec: 'SYMMETRIC_DEFAULT', EnableKeyRotation: true });
    expect(props('AuditKey').KeyPolicy).toEqual(props('StorageKey').KeyPolicy);
    expect(props('AuditKeyAlias').AliasName).toBe('alias/phi-pipeline-dev-audit');
    const auditKeyGrant = {
      Sid: 'AuditKeyThroughS3',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: [{ 'Fn::GetAtt': ['AuditKey', 'Arn'] }],
      Condition: {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders
        StringEquals: { 'kms:ViaService': { 'Fn::Sub': 's3.${AWS::Region}.amazonaws.com' } },
        ArnEquals: { 'kms:EncryptionContext:aws:s3:arn': { 'Fn::GetAtt': ['AuditBucket', 'Arn'] } },
      },
    };
    const roles = Object.keys(resources).filter((id) => id.endsWith('Role'));
    const consumerPolicy = asArray(
      asObject(props('ConsumerResearchAccessPolicy').PolicyDocument).Statement,
    ).map(asObject);
    for (const statements of [...roles.map((id) => policyOf(stack, id)), consumerPolicy]) {
      const appends = statements.some((st) => st.Sid === 'AppendAuditChain');
      const auditKey = statements.filter((st) => JSON.stringify(st.Resource).includes('"AuditKey"'));
      expect(auditKey).toEqual(appends ? [auditKeyGrant] : []);
      // The storage key is never granted for the audit bucket.
      const storageKey = statements.filter((st) => JSON.stringify(st.Resource).includes('"StorageKey"'));
      expect(storageKey.filter((st) => JSON.stringify(st).includes('AuditBucket'))).toEqual([]);
    }
    expect(
      roles.filter((id) => policyOf(stack, id).some((st) => st.Sid === 'AppendAuditChain')),
    ).toHaveLength(roles.length - 1);
    expect(JSON.stringify(policyOf(stack, 'NotFoundRole'))).not.toContain('StorageKey');
    expect(stack.resources.Outputs.PhiAuditSseKmsKeyId).toMatchObject({
      Value: { 'Fn::GetAtt': ['AuditKey', 'Arn'] },
    });
  });

  it('passes the wildcard rule on its own (before osls adds anything)', () => {
    expect(checkWildcards(stack.resources as unknown as Template)).toEqual([]);
  });

  it('grants operators nothing without MFA: every statement of their policy requires aws:MultiFactorAuthPresent', () => {
    const doc = asObject(
      asObject(asObject(stack.resources.Resources.ReplayInvokePolicy).Properties).PolicyDocument,
    );
    const statements = asArray(doc.Statement).map(asObject);
    expect(statements.map((st) => st.Sid)).toEqual(
      expect.arrayContaining(['InvokeReplay', 'SetConsumerState', 'AppendAuditChain', 'ListAuditBucket']),
    );
    for (const st of statements) {
      expect(st.Effect).toBe('Allow');
      expect(asObject(asObject(st.Condition).Bool)).toEqual({ 'aws:MultiFactorAuthPresent': 'true' });
    }
    // The conditions a grant already had are kept beside the MFA one.
    const storage = statements.find((st) => st.Sid === 'StorageKeyThroughS3AndSqs');
    expect(asObject(storage?.Condition).StringEquals).toBeDefined();
    expect(JSON.stringify(statements)).toContain('consumer-state/*');
  });

  it('lets a deliver function read its own consumer-state flag and hold shares on its own queue only', () => {
    const text = JSON.stringify(policyOf(stack, 'DeliverAnalyticsRole'));
    expect(text).toContain('consumer-state/analytics.json');
    expect(text).not.toContain('consumer-state/research');
    const send = policyOf(stack, 'DeliverAnalyticsRole').find((st) => st.Sid === 'NotifyHoldAndDeadLetter');
    expect(JSON.stringify(send?.Resource)).toContain('DeliverAnalytics');
    expect(JSON.stringify(send?.Resource)).not.toContain('Research');
  });

  it('attaches the replay invoke policy to the operator roles given, and to nothing by default', () => {
    const roles = (s: Stack) => asObject(asObject(s.resources.Resources.ReplayInvokePolicy).Properties).Roles;
    expect(roles(stack)).toBeUndefined();
    expect(roles(build(['analytics'], { operatorRoles: 'oncall, phi-admin' }))).toEqual([
      'oncall',
      'phi-admin',
    ]);
  });
});

describe('deploy/stack.cjs: queues and workers', () => {
  it('sets each worker queue visibility to 6 x its function timeout, DLQs to 14 days', () => {
    const stack = build(['analytics'], { deliver: { ...STACK.deliver, timeout: 100 } });
    const props = (id: string) => asObject(asObject(stack.resources.Resources[id]).Properties);
    expect(props('IngestQueue').VisibilityTimeout).toBe(180);
    expect(props('DeliverAnalyticsQueue').VisibilityTimeout).toBe(600);
    expect(props('DeliverAnalyticsDeadLetterQueue').MessageRetentionPeriod).toBe(1_209_600);
    expect(asObject(props('DeliverAnalyticsQueue').RedrivePolicy).maxReceiveCount).toBe(5);
    const event = asObject(asArray(asObject(stack.functions.deliverAnalytics).events)[0]);
    expect(asObject(event.sqs).functionResponseType).toBe('ReportBatchItemFailures');
  });

  it('refuses a parameter out of range, naming it', () => {
    expect(errorOf(() => build(['analytics'], { maxReceiveCount: 0 }))).toMatch(/maxReceiveCount must be/);
    // Lambda's 6 MB invocation limit with a base64 body: about 4.4 MiB is the most a function can see.
    expect(errorOf(() => build(['analytics'], { maxBodyBytes: 5 * 1024 * 1024 }))).toMatch(
      /PHI_MAX_BODY_BYTES must be/,
    );
    expect(errorOf(() => build(['analytics'], { maxBodyBytes: 4_613_734 }))).toBe('');
    expect(
      errorOf(() => build(['analytics'], { deliver: { ...STACK.deliver, reservedConcurrency: 1 } })),
    ).toMatch(/deliver.reservedConcurrency/);
  });
});

describe('deploy/stack.cjs: custom domain and mutual TLS', () => {
  it('adds the domain with a TLS 1.2 policy and mutual TLS, and turns off the execute-api endpoint', () => {
    const stack = build(['analytics'], {
      customDomain: 'API.example.org',
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
      mtlsTruststoreUri: 's3://phi-truststore/partners.pem',
    });
    const domain = asObject(asObject(stack.resources.Resources.ApiDomainName).Properties);
    expect(domain.DomainName).toBe('api.example.org');
    expect(asObject(asArray(domain.DomainNameConfigurations)[0]).SecurityPolicy).toBe('TLS_1_2');
    expect(asObject(domain.MutualTlsAuthentication).TruststoreUri).toBe('s3://phi-truststore/partners.pem');
    expect(stack.resources.extensions.HttpApi).toEqual({ Properties: { DisableExecuteApiEndpoint: true } });
    expect(stack.publicUrl).toBe('https://api.example.org');
  });

  it('keeps the execute-api URL without a domain, and refuses mutual TLS without one', () => {
    const stack = build(['analytics']);
    expect(stack.resources.Resources.ApiDomainName).toBeUndefined();
    expect(stack.resources.extensions.HttpApi).toBeUndefined();
    expect(JSON.stringify(stack.publicUrl)).toContain('execute-api');
    expect(errorOf(() => build(['analytics'], { mtlsTruststoreUri: 's3://b/k.pem' }))).toMatch(
      /needs customDomain/,
    );
    expect(errorOf(() => build(['analytics'], { customDomain: 'api.example.org' }))).toMatch(
      /needs certificateArn/,
    );
  });
});
