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

/** Log groups osls generates get the logs key; their retention comes from provider.logRetentionInDays. */
function logGroupExtensions(settings) {
  const extensions = {};
  for (const fnName of names.allFunctions(settings)) {
    extensions[names.fn.logGroup(fnName)] = { Properties: { KmsKeyId: arnOf(names.key.logs) } };
  }
  extensions.HttpApiLogGroup = { Properties: { KmsKeyId: arnOf(names.key.logs) } };
  return extensions;
}

module.exports = { alarmResources, logGroupExtensions };
