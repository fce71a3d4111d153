import {
  asArray,
  asObject,
  type JsonObject,
  referencedId,
  resources,
  type Template,
} from './cfn-template.js';

/**
 * Template audits of issue 12 items 3 and 4, independent of how deploy/*.cjs builds the template:
 * every HTTP API route but the open ones has a Lambda REQUEST authorizer, and every anomaly signal
 * has an alarm that notifies the alarm topic.
 */
export const OPEN_ROUTE_KEYS = [
  'POST /v1/token',
  'GET /.well-known/smart-configuration',
  'GET /.well-known/jwks.json',
] as const;

/** Violations: routes open at the gateway that should not be, and open routes that are not open. */
export function checkGatewayAuthorizers(template: Template): string[] {
  const violations: string[] = [];
  const authorizers = new Map(resources(template, 'AWS::ApiGatewayV2::Authorizer').map((a) => [a.id, a]));
  const routes = resources(template, 'AWS::ApiGatewayV2::Route');
  if (routes.length === 0) violations.push('no routes at all');
  for (const route of routes) {
    const key = String(route.properties.RouteKey);
    const open = (OPEN_ROUTE_KEYS as readonly string[]).includes(key);
    const type = route.properties.AuthorizationType;
    const authorizer = authorizers.get(referencedId(route.properties.AuthorizerId) ?? '');
    if (open) {
      if (type !== undefined && type !== 'NONE') violations.push(`${key}: must stay open (${String(type)})`);
      continue;
    }
    if (type !== 'CUSTOM' || authorizer === undefined) {
      violations.push(`${key}: no Lambda authorizer (AuthorizationType ${String(type ?? 'NONE')})`);
      continue;
    }
    const p = authorizer.properties;
    const sources = asArray(p.IdentitySource).map(String);
    if (p.AuthorizerType !== 'REQUEST') violations.push(`${key}: authorizer is not REQUEST`);
    if (!sources.includes('$request.header.Authorization'))
      violations.push(`${key}: cache key lacks the token`);
    if (Number(p.AuthorizerResultTtlInSeconds ?? 0) > 0 && !sources.includes('$context.routeKey')) {
      violations.push(
        `${key}: cached without the route in the key (a token allowed on one route passes all)`,
      );
    }
  }
  return violations;
}

const alarms = (template: Template) => resources(template, 'AWS::CloudWatch::Alarm');

const notifies = (properties: JsonObject) =>
  asArray(properties.AlarmActions).some((a) => referencedId(a) === 'AlarmTopic');

/** The alarm on a PhiPipeline metric, found by metric name (either a plain or a metric-math alarm). */
export function alarmsOnSignalMetric(template: Template, metricName: string) {
  return alarms(template).filter((alarm) => {
    if (alarm.properties.Namespace === 'PhiPipeline' && alarm.properties.MetricName === metricName)
      return true;
    return asArray(alarm.properties.Metrics).some((m) => {
      const metric = asObject(asObject(asObject(m).MetricStat).Metric);
      return metric.Namespace === 'PhiPipeline' && metric.MetricName === metricName;
    });
  });
}

/** Violations: a signal without its alarm, an alarm without the topic, a high-cardinality dimension. */
export function checkAnomalyAlarms(template: Template): string[] {
  const violations: string[] = [];
  for (const metric of ['authFailures', 'signatureFailures', 'digestFailures']) {
    const found = alarmsOnSignalMetric(template, metric);
    if (found.length === 0) violations.push(`${metric}: no alarm`);
    for (const alarm of found)
      if (!notifies(alarm.properties)) violations.push(`${alarm.id}: notifies nobody`);
  }
  const volume = alarmsOnSignalMetric(template, 'submissionsAccepted');
  const banded = volume.filter((a) =>
    asArray(a.properties.Metrics).some((m) =>
      String(asObject(m).Expression ?? '').startsWith('ANOMALY_DETECTION_BAND('),
    ),
  );
  if (banded.length === 0) violations.push('submissionsAccepted: no anomaly detection band alarm');
  for (const alarm of alarms(template).filter(
    (a) => a.properties.Namespace === 'PhiPipeline' || a.properties.Metrics,
  )) {
    const dims = [
      ...asArray(alarm.properties.Dimensions),
      ...asArray(alarm.properties.Metrics).flatMap((m) =>
        asArray(asObject(asObject(asObject(m).MetricStat).Metric).Dimensions),
      ),
    ].map((d) => String(asObject(d).Name));
    for (const name of dims)
      if (name !== 'service') violations.push(`${alarm.id}: dimension ${name} (only service)`);
  }
  // Every dead-letter queue: depth and age; every deliver queue: age and backlog.
  const queues = resources(template, 'AWS::SQS::Queue');
  const dlqs = new Set(
    queues.map((q) => referencedId(asObject(q.properties.RedrivePolicy).deadLetterTargetArn)),
  );
  const onQueue = (queueId: string, metricName: string) =>
    alarms(template).some(
      (a) =>
        a.properties.Namespace === 'AWS/SQS' &&
        a.properties.MetricName === metricName &&
        notifies(a.properties) &&
        asArray(a.properties.Dimensions).some((d) => referencedId(asObject(d).Value) === queueId),
    );
  for (const queue of queues) {
    if (dlqs.has(queue.id)) {
      for (const metric of ['ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage']) {
        if (!onQueue(queue.id, metric)) violations.push(`${queue.id}: no ${metric} alarm`);
      }
    } else if (/^Deliver.*Queue$/.test(queue.id)) {
      for (const metric of ['ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage']) {
        if (!onQueue(queue.id, metric)) violations.push(`${queue.id}: no ${metric} alarm`);
      }
    }
  }
  return violations;
}
