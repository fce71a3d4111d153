/**
 * Issue 12 items 3 and 4 in the packaged template: every partner route is authorized at the gateway
 * (a Lambda REQUEST authorizer with its own least-privilege role), the open routes stay open, and
 * every anomaly signal maps to an alarm on the alarm topic. Each check is also shown to fail.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPEN_ROUTES } from '../../shared/app/gateway-authorizer.js';
import { packageInto } from '../helpers/packaged-stack.js';
import {
  asArray,
  asObject,
  clone,
  type JsonObject,
  referencedId,
  resource,
  resources,
  type Template,
} from './cfn-template.js';
import {
  alarmsOnSignalMetric,
  checkAnomalyAlarms,
  checkGatewayAuthorizers,
  OPEN_ROUTE_KEYS,
} from './gateway-alarm-checks.js';
import { buildTestStack } from './stack-builder.js';

let template: Template;
let home: string;
let out: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'phi-gw-home-'));
  out = await mkdtemp(join(tmpdir(), 'phi-gw-out-'));
  await packageInto(out, home);
  template = JSON.parse(
    await readFile(join(out, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
}, 900_000);

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
});

const routes = () => resources(template, 'AWS::ApiGatewayV2::Route');

describe('the gateway authorizes every partner route', () => {
  it('every route except the token endpoint and discovery has the Lambda authorizer', () => {
    expect(checkGatewayAuthorizers(template)).toEqual([]);
    const keys = routes().map((r) => String(r.properties.RouteKey));
    for (const key of [
      'POST /v1/bundles',
      'POST /v1/claims',
      'POST /v1/uploads',
      'GET /v1/submissions/{id}',
      'GET /v1/submissions/{id}/acknowledgement',
      'GET /v1/submissions/{id}/errors',
      '$default',
    ]) {
      expect(keys).toContain(key);
    }
    expect([...OPEN_ROUTES].sort()).toEqual([...OPEN_ROUTE_KEYS].sort());
  });

  it('the audit fails a template with a route left open, an open route closed, or a cache without the route', () => {
    const opened = clone(template);
    const ingest = resources(opened, 'AWS::ApiGatewayV2::Route').find(
      (r) => r.properties.RouteKey === 'POST /v1/claims',
    );
    const props = asObject(asObject(opened.Resources[ingest?.id ?? '']).Properties);
    delete props.AuthorizationType;
    delete props.AuthorizerId;
    expect(checkGatewayAuthorizers(opened)).toEqual([
      'POST /v1/claims: no Lambda authorizer (AuthorizationType NONE)',
    ]);

    const closed = clone(template);
    const tokenRoute = resources(closed, 'AWS::ApiGatewayV2::Route').find(
      (r) => r.properties.RouteKey === 'POST /v1/token',
    );
    asObject(asObject(closed.Resources[tokenRoute?.id ?? '']).Properties).AuthorizationType = 'CUSTOM';
    expect(checkGatewayAuthorizers(closed)).toEqual(['POST /v1/token: must stay open (CUSTOM)']);

    const routeless = clone(template);
    for (const a of resources(routeless, 'AWS::ApiGatewayV2::Authorizer')) {
      asObject(asObject(routeless.Resources[a.id]).Properties).IdentitySource = [
        '$request.header.Authorization',
      ];
    }
    expect(checkGatewayAuthorizers(routeless).length).toBe(routes().length - OPEN_ROUTE_KEYS.length);
  });

  it('the authorizer is a cached REQUEST authorizer with simple responses, invoked only by this API', () => {
    const [authorizer, ...others] = resources(template, 'AWS::ApiGatewayV2::Authorizer');
    expect(others).toEqual([]);
    expect(authorizer?.properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      AuthorizerResultTtlInSeconds: 60,
      IdentitySource: ['$request.header.Authorization', '$context.routeKey'],
    });
    expect(JSON.stringify(authorizer?.properties.AuthorizerUri)).toContain('AuthorizerLambdaFunction');
    const permissions = resources(template, 'AWS::Lambda::Permission').filter(
      (p) => referencedId(p.properties.FunctionName) === 'AuthorizerLambdaFunction',
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0]?.properties.Principal).toBe('apigateway.amazonaws.com');
    expect(JSON.stringify(permissions[0]?.properties.SourceArn)).toContain('HttpApi');
  });

  it("the authorizer's role reads the issuer public key and appends audit records, nothing else", () => {
    const fn = resource(template, 'AuthorizerLambdaFunction');
    expect(referencedId(fn.properties.Role)).toBe('AuthorizerRole');
    const statements = asArray(
      asObject(
        asArray(resource(template, 'AuthorizerRole').properties.Policies).map(asObject)[0]?.PolicyDocument,
      ).Statement,
    ).map(asObject);
    const actions = statements.flatMap((s) => asArray(s.Action).map(String)).sort();
    expect(actions.filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:'))).toEqual(
      [
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'kms:GetPublicKey',
        's3:GetObject',
        's3:ListBucket',
        's3:PutObject',
      ].sort(),
    );
    const publicKey = statements.find((s) => asArray(s.Action).includes('kms:GetPublicKey'));
    expect(referencedId(asArray(publicKey?.Resource)[0])).toBe('IssuerKey');
  });
});

describe('every anomaly signal maps to an alarm on the alarm topic', () => {
  it('auth, signature and digest failures, the volume band, dead letters (depth, age), deliver queues (backlog, age)', () => {
    expect(checkAnomalyAlarms(template)).toEqual([]);
    const band = alarmsOnSignalMetric(template, 'submissionsAccepted')[0];
    expect(band?.properties.ComparisonOperator).toBe('GreaterThanUpperThreshold');
    expect(alarmsOnSignalMetric(template, 'authFailures')[0]?.properties).toMatchObject({
      Threshold: 20,
      Period: 300,
    });
  });

  it('the audit fails a template missing one of them, or using a partner dimension', () => {
    for (const metric of ['authFailures', 'signatureFailures', 'digestFailures', 'submissionsAccepted']) {
      const broken = clone(template);
      for (const alarm of alarmsOnSignalMetric(broken, metric)) delete broken.Resources[alarm.id];
      expect(checkAnomalyAlarms(broken).length).toBeGreaterThan(0);
    }
    const dlqAge = clone(template);
    delete dlqAge.Resources.IngestDeadLetterQueueAgeAlarm;
    expect(checkAnomalyAlarms(dlqAge)).toEqual([
      'IngestDeadLetterQueue: no ApproximateAgeOfOldestMessage alarm',
    ]);
    const perPartner = clone(template);
    const auth = alarmsOnSignalMetric(perPartner, 'authFailures')[0];
    const dims = asArray(asObject(asObject(perPartner.Resources[auth?.id ?? '']).Properties).Dimensions);
    dims.push({ Name: 'partner', Value: 'acme' } as JsonObject);
    expect(checkAnomalyAlarms(perPartner)).toEqual([`${auth?.id}: dimension partner (only service)`]);
  });
});

describe('deploy/observability.cjs: the SIEM subscription', () => {
  const filters = (overrides: Record<string, unknown>) =>
    Object.entries(buildTestStack(['analytics'], overrides).resources.Resources)
      .filter(([, r]) => asObject(r).Type === 'AWS::Logs::SubscriptionFilter')
      .map(([id, r]) => ({ id, properties: asObject(asObject(r).Properties) }));

  it('is off by default and, given a destination, covers every function log group with no role of ours', () => {
    expect(filters({})).toEqual([]);
    const arn = 'arn:aws:logs:us-east-1:210987654321:destination:siem';
    const found = filters({ siemDestinationArn: arn });
    expect(found.map((f) => referencedId(f.properties.LogGroupName))).toContain('AuthorizerLogGroup');
    expect(found.map((f) => referencedId(f.properties.LogGroupName))).toContain('IngestLogGroup');
    for (const f of found) {
      expect(f.properties.DestinationArn).toBe(arn);
      expect(f.properties.RoleArn).toBeUndefined();
      expect(String(f.properties.FilterPattern)).toContain('request rejected');
    }
  });
});
