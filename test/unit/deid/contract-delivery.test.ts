import { describe, expect, it } from 'vitest';
import { parseContract } from '../../../shared/core/deid/contract.js';
import { isPipelineError } from '../../../shared/core/errors.js';

const SOURCE = 'contracts/ehr.json';
const base = { schemaVersion: 1, name: 'ehr', version: '1.0.0', extends: 'safe-harbor' };
const fhir = {
  type: 'fhir',
  baseUrl: 'https://ehr.example.org/fhir/R4',
  tokenUrl: 'https://auth.example.org/oauth2/token',
  clientId: 'phi-pipeline',
  scope: 'system/Patient.write system/Observation.write',
};

function fieldOf(delivery: unknown): unknown {
  try {
    parseContract({ ...base, delivery }, SOURCE);
  } catch (error) {
    if (!isPipelineError(error)) throw error;
    expect(error.code).toBe('contract-invalid');
    expect(error.message.startsWith(`${SOURCE}: ${String(error.details?.field)}: `)).toBe(true);
    return error.details?.field;
  }
  throw new Error('the contract was accepted');
}

describe('contract delivery field', () => {
  it('is optional: a contract without it delivers objects, as before', () => {
    expect(parseContract(base, SOURCE).delivery).toBeUndefined();
    expect(parseContract({ ...base, delivery: { type: 'object' } }, SOURCE).delivery).toEqual({
      type: 'object',
    });
  });

  it('accepts a FHIR target with SMART backend client settings, and keeps them through resolution', () => {
    const withKey = { ...fhir, keyId: 'ehr-2026', maxEntriesPerTransaction: 50 };
    expect(parseContract({ ...base, delivery: withKey }, SOURCE).delivery).toEqual(withKey);
  });

  it('allows http only for loopback hosts', () => {
    const local = { ...fhir, baseUrl: 'http://127.0.0.1:8080/fhir', tokenUrl: 'http://localhost:8080/token' };
    expect(parseContract({ ...base, delivery: local }, SOURCE).delivery).toEqual(local);
    expect(fieldOf({ ...fhir, baseUrl: 'http://ehr.example.org/fhir' })).toBe('delivery.baseUrl');
    expect(fieldOf({ ...fhir, tokenUrl: 'http://auth.example.org/token' })).toBe('delivery.tokenUrl');
  });

  it.each([
    ['an unknown type', { type: 'sftp' }, 'delivery.type'],
    ['a missing base URL', { ...fhir, baseUrl: undefined }, 'delivery.baseUrl'],
    ['a base URL that is not a URL', { ...fhir, baseUrl: 'ehr.example.org/fhir' }, 'delivery.baseUrl'],
    [
      'credentials in the base URL',
      { ...fhir, baseUrl: 'https://u:p@ehr.example.org/fhir' },
      'delivery.baseUrl',
    ],
    [
      'a query in the token URL',
      { ...fhir, tokenUrl: 'https://auth.example.org/token?x=1' },
      'delivery.tokenUrl',
    ],
    ['a missing client id', { ...fhir, clientId: undefined }, 'delivery.clientId'],
    ['a client id with spaces', { ...fhir, clientId: 'phi pipeline' }, 'delivery.clientId'],
    ['an empty scope', { ...fhir, scope: '' }, 'delivery.scope'],
    ['a scope with doubled spaces', { ...fhir, scope: 'system/*.write  x' }, 'delivery.scope'],
    ['a private key in the contract', { ...fhir, privateKey: { kty: 'EC' } }, 'delivery.privateKey'],
    [
      'fields of the FHIR form on an object delivery',
      { type: 'object', baseUrl: fhir.baseUrl },
      'delivery.baseUrl',
    ],
    [
      'a zero transaction size',
      { ...fhir, maxEntriesPerTransaction: 0 },
      'delivery.maxEntriesPerTransaction',
    ],
    [
      'a fractional transaction size',
      { ...fhir, maxEntriesPerTransaction: 2.5 },
      'delivery.maxEntriesPerTransaction',
    ],
    ['not an object', 'fhir', 'delivery'],
  ])('rejects %s, naming the field', (_case, delivery, field) => {
    expect(fieldOf(delivery)).toBe(field);
  });
});
