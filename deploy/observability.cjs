'use strict';

const { arnOf, ref } = require('./cfn.cjs');
const names = require('./names.cjs');
const { queueCatalogue } = require('./queues.cjs');

/** Any dead letter is a page: messages in a DLQ only leave by an operator's replay (or expiry). */
const alarm = (description, metric, extra) => ({
  Type: 'AWS::CloudWatch::Alarm',
  Properties: {
    AlarmDescription: description,
    ...metric,
    EvaluationPeriods: 1,
    ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'notBreaching',
    AlarmActions: [ref('AlarmTopic')],
    OKActions: [ref('AlarmTopic')],
    ...extra,
  },
});

const queueMetric = (queueLogicalId, MetricName, Statistic, Period, Threshold) => ({
  Namespace: 'AWS/SQS',
  MetricName,
  Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueLogicalId, 'QueueName'] } }],
  Statistic,
  Period,
  Threshold,
});

const functionMetric = (fnName, MetricName) => ({
  Namespace: 'AWS/Lambda',
  MetricName,
  Dimensions: [{ Name: 'FunctionName', Value: ref(names.fn.lambda(fnName)) }],
  Statistic: 'Sum',
  Period: 300,
  Threshold: 0,
});

function alarmResources(settings) {
  const resources = {
    AlarmTopic: {
      Type: 'AWS::SNS::Topic',
      Properties: {
        DisplayName: `${settings.service} ${settings.stage} alarms`,
        KmsMasterKeyId: arnOf(names.key.logs),
      },
    },
  };
  if (settings.alarmEmail !== '') {
    resources.AlarmEmailSubscription = {
      Type: 'AWS::SNS::Subscription',
      Properties: { TopicArn: ref('AlarmTopic'), Protocol: 'email', Endpoint: settings.alarmEmail },
    };
  }
  const { sources, deadLetters } = queueCatalogue(settings);
  for (const dlq of deadLetters) {
    resources[`${dlq}DepthAlarm`] = alarm(
      `A message was dead-lettered on ${dlq}: see phi dlq list, fix, then replay`,
      queueMetric(dlq, 'ApproximateNumberOfMessagesVisible', 'Maximum', 60, 0),
    );
  }
  // Work queues whose oldest message waits 15 minutes are stuck (throttling, a failing dependency).
  for (const source of sources.filter((id) => !id.startsWith('Notify'))) {
    resources[`${source}AgeAlarm`] = alarm(
      `Messages on ${source} have waited over 15 minutes`,
      queueMetric(source, 'ApproximateAgeOfOldestMessage', 'Maximum', 300, 900),
      { EvaluationPeriods: 3 },
    );
  }
  for (const fnName of names.allFunctions(settings)) {
    const id = names.upperFirst(fnName);
    resources[`${id}ErrorsAlarm`] = alarm(`${fnName}: invocation errors`, functionMetric(fnName, 'Errors'));
    resources[`${id}ThrottlesAlarm`] = alarm(
      `${fnName}: throttled invocations (reserved concurrency reached)`,
      functionMetric(fnName, 'Throttles'),
    );
  }
  Object.assign(resources, anomalyAlarms(settings), backlogAlarms(settings), siemSubscriptions(settings));
  resources.Api5xxAlarm = alarm('HTTP API answered 5xx', {
    Namespace: 'AWS/ApiGateway',
    MetricName: '5xx',
    Dimensions: [
      { Name: 'ApiId', Value: ref('HttpApi') },
      { Name: 'Stage', Value: '$default' },
    ],
    Statistic: 'Sum',
    Period: 300,
    Threshold: 0,
  });
  return resources;
}

/**
 * The anomaly metrics (shared/core/signals/metrics.ts): EMF from the functions, namespace PhiPipeline,
 * one dimension `service`. Never a partner id or address: those stay in the audit records and the SIEM.
 */
const signalMetric = (settings, MetricName) => ({
  Namespace: 'PhiPipeline',
  MetricName,
  Dimensions: [{ Name: 'service', Value: settings.service }],
});

/** Failures per 5 minutes across partners, and accepted submissions against their learned band. */
function anomalyAlarms(settings) {
  const failures = (MetricName, Threshold, description) =>
    alarm(description, { ...signalMetric(settings, MetricName), Statistic: 'Sum', Period: 300, Threshold });
  return {
    AuthFailuresAlarm: failures(
      'authFailures',
      settings.alarms.authFailures,
      'Authentication failures (gateway and functions, bad or expired tokens, wrong scope, refused partners): run phi alerts / see the SIEM for the partner or address',
    ),
    SignatureFailuresAlarm: failures(
      'signatureFailures',
      settings.alarms.signatureFailures,
      'Request signature failures (X-JWS-Signature): a partner key problem or forged requests',
    ),
    DigestFailuresAlarm: failures(
      'digestFailures',
      settings.alarms.digestFailures,
      'Content-Digest failures: corrupted or tampered bodies',
    ),
    // CloudWatch learns the submissions' usual pattern (time of day, weekday) and alarms above the band.
    SubmissionVolumeAnomalyAlarm: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmDescription:
          'Accepted submissions above their anomaly detection band (a volume spike against the learned baseline)',
        ComparisonOperator: 'GreaterThanUpperThreshold',
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
        ThresholdMetricId: 'band',
        TreatMissingData: 'notBreaching',
        Metrics: [
          {
            Id: 'accepted',
            ReturnData: true,
            MetricStat: {
              Metric: signalMetric(settings, 'submissionsAccepted'),
              Period: 300,
              Stat: 'Sum',
            },
          },
          { Id: 'band', ReturnData: true, Expression: 'ANOMALY_DETECTION_BAND(accepted, 3)' },
        ],
        AlarmActions: [ref('AlarmTopic')],
        OKActions: [ref('AlarmTopic')],
      },
    },
  };
}

/** Dead letters that wait a day, and consumers whose deliver queue grows (its age has its own alarm). */
function backlogAlarms(settings) {
  const resources = {};
  const { sources, deadLetters } = queueCatalogue(settings);
  for (const dlq of deadLetters) {
    resources[`${dlq}AgeAlarm`] = alarm(
      `A dead letter on ${dlq} has waited a day: replay or resolve it (phi dlq list)`,
      queueMetric(dlq, 'ApproximateAgeOfOldestMessage', 'Maximum', 300, 86_400),
    );
  }
  for (const source of sources.filter((id) => id.startsWith('Deliver'))) {
    resources[`${source}BacklogAlarm`] = alarm(
      `Consumer behind: ${source} holds more than ${settings.alarms.deliverBacklog} messages`,
      queueMetric(
        source,
        'ApproximateNumberOfMessagesVisible',
        'Maximum',
        300,
        settings.alarms.deliverBacklog,
      ),
      { EvaluationPeriods: 3 },
    );
  }
  return resources;
}

/**
 * The SIEM stream on AWS (docs/siem.md): each function's refusal and failure log lines (ids, codes,
 * routes; never a body) to a CloudWatch Logs destination the SIEM owns. No role in this account: the
 * destination's own policy admits this account, so nothing here can write anywhere else.
 */
function siemSubscriptions(settings) {
  if (settings.siemDestinationArn === '') return {};
  const resources = {};
  for (const fnName of names.allFunctions(settings)) {
    resources[`${names.upperFirst(fnName)}SiemSubscription`] = {
      Type: 'AWS::Logs::SubscriptionFilter',
      Properties: {
        LogGroupName: ref(names.fn.logGroup(fnName)),
        DestinationArn: settings.siemDestinationArn,
        FilterPattern: SIEM_FILTER_PATTERN,
      },
    };
  }
  return resources;
}

/** Refusals, failures and the authorizer's denials: the lines a SIEM correlates. */
const SIEM_FILTER_PATTERN =
  '{ ($.message = "request rejected") || ($.message = "request failed") || ($.message = "gateway refused") || ($.level = "ERROR") }';

/** Log groups osls generates get the logs key; their retention comes from provider.logRetentionInDays. */
function logGroupExtensions(settings) {
  const extensions = {};
  for (const fnName of names.allFunctions(settings)) {
    extensions[names.fn.logGroup(fnName)] = { Properties: { KmsKeyId: arnOf(names.key.logs) } };
  }
  extensions.HttpApiLogGroup = { Properties: { KmsKeyId: arnOf(names.key.logs) } };
  return extensions;
}

module.exports = { alarmResources, logGroupExtensions, SIEM_FILTER_PATTERN };
