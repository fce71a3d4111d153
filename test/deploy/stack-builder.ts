import { createRequire } from 'node:module';
import type { JsonObject } from './cfn-template.js';

/** deploy/stack.cjs without osls: the per-consumer resources follow from the consumer list alone. */
export interface Stack {
  readonly publicUrl: unknown;
  readonly consumerKeyIds: unknown;
  readonly functions: JsonObject;
  readonly resources: { Resources: JsonObject; Outputs: JsonObject; extensions: JsonObject };
}
interface StackModule {
  buildStack(settings: unknown): Stack;
}
interface SettingsModule {
  parseSettings(stack: unknown, consumers: unknown): unknown;
}

const require = createRequire(import.meta.url);
const { buildStack } = require('../../deploy/stack.cjs') as StackModule;
const { parseSettings } = require('../../deploy/settings.cjs') as SettingsModule;

/** What serverless.yml's custom.stack resolves to with the default parameters. */
export const STACK = {
  service: 'phi-pipeline',
  stage: 'dev',
  queuePrefix: 'phi-pipeline-dev-',
  maxReceiveCount: 5,
  maxBodyBytes: '4194304',
  auditRetentionDays: 1,
  logRetentionDays: 365,
  accessLogRetentionDays: 365,
  noncurrentVersionDays: 30,
  process: { memorySize: 1024, timeout: 30, reservedConcurrency: 10 },
  deliver: { memorySize: 1769, timeout: 60, reservedConcurrency: 5 },
  api: { rateLimit: 100, burstLimit: 200, tokenRateLimit: 20, tokenBurstLimit: 40 },
  customDomain: '',
  certificateArn: '',
  mtlsTruststoreUri: '',
  mtlsTruststoreVersion: '',
  alarmEmail: '',
  operatorRoles: '',
};

/** The generated stack for these consumers, STACK with `overrides`. */
export const buildTestStack = (consumers: string[], overrides: Record<string, unknown> = {}): Stack =>
  buildStack(parseSettings({ ...STACK, ...overrides }, consumers));
