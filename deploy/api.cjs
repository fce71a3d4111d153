'use strict';

const { join, ref } = require('./cfn.cjs');

/**
 * HTTP API stage limits, the optional custom domain with mutual TLS, and the public URL the functions
 * issue tokens for. Route keys are those serverless.yml declares (local/routes.ts is the same table).
 */
const TOKEN_ROUTE = { key: 'POST /v1/token', logicalId: 'HttpApiRoutePostV1Token' };

/** HTTP APIs throttle per stage and per route, never per caller: see docs/deploy.md on partners. */
function stageExtension(settings) {
  return {
    HttpApiStage: {
      // A route setting may only name a route that exists already.
      DependsOn: [TOKEN_ROUTE.logicalId],
      Properties: {
        DefaultRouteSettings: {
          DetailedMetricsEnabled: true,
          ThrottlingRateLimit: settings.api.rateLimit,
          ThrottlingBurstLimit: settings.api.burstLimit,
        },
        RouteSettings: {
          [TOKEN_ROUTE.key]: {
            DetailedMetricsEnabled: true,
            ThrottlingRateLimit: settings.api.tokenRateLimit,
            ThrottlingBurstLimit: settings.api.tokenBurstLimit,
          },
        },
      },
    },
  };
}

function domainResources(settings) {
  if (settings.customDomain === '') return {};
  const mtls =
    settings.mtlsTruststoreUri === ''
      ? {}
      : {
          MutualTlsAuthentication: {
            TruststoreUri: settings.mtlsTruststoreUri,
            ...(settings.mtlsTruststoreVersion === ''
              ? {}
              : { TruststoreVersion: settings.mtlsTruststoreVersion }),
          },
        };
  return {
    ApiDomainName: {
      Type: 'AWS::ApiGatewayV2::DomainName',
      Properties: {
        DomainName: settings.customDomain,
        DomainNameConfigurations: [
          { CertificateArn: settings.certificateArn, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' },
        ],
        ...mtls,
      },
    },
    ApiMapping: {
      Type: 'AWS::ApiGatewayV2::ApiMapping',
      DependsOn: ['HttpApiStage'],
      Properties: { ApiId: ref('HttpApi'), DomainName: ref('ApiDomainName'), Stage: '$default' },
    },
  };
}

/** With mutual TLS the execute-api endpoint must go: it would accept the same calls without a client certificate. */
function apiExtension(settings) {
  return settings.mtlsTruststoreUri === ''
    ? {}
    : { HttpApi: { Properties: { DisableExecuteApiEndpoint: true } } };
}

/**
 * The same Fn::Join osls writes for its `HttpApiUrl` output, which stack.cjs overrides with this value:
 * osls merges arrays item by item, so any other shape would leave a mix of the two.
 */
const publicUrl = (settings) =>
  settings.customDomain === ''
    ? join(['https://', ref('HttpApi'), '.execute-api.', ref('AWS::Region'), '.', ref('AWS::URLSuffix')])
    : `https://${settings.customDomain}`;

module.exports = { stageExtension, domainResources, apiExtension, publicUrl, TOKEN_ROUTE };
