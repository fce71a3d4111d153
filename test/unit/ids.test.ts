import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  CONSUMER_ID,
  CONSUMER_ID_RULE,
  isConsumerId,
  isFileSafeId,
  isOperatorId,
  isPartnerId,
  isSubmissionId,
} from '../../shared/core/ids.js';

describe('Module: ids', () => {
  it('accepts partner ids of 1-64 lower-case letters, digits and dashes starting with a letter or digit', () => {
    for (const id of ['demo', 'a', '0', '9lives', 'acme-health', `a${'b'.repeat(63)}`]) {
      expect(isPartnerId(id), id).toBe(true);
    }
    for (const id of [
      '',
      '-demo',
      'Demo',
      'de_mo',
      'de mo',
      '../x',
      'a/b',
      `a${'b'.repeat(64)}`,
      42,
      undefined,
    ]) {
      expect(isPartnerId(id), String(id)).toBe(false);
    }
  });

  it('accepts consumer ids of 1-63 characters starting with a letter, as contract names are', () => {
    for (const id of ['analytics', 'research', 'billing', 'data-lake', 'x', 'ehr2', `a${'b'.repeat(62)}`]) {
      expect(isConsumerId(id), id).toBe(true);
    }
    for (const id of [
      '',
      '1abc',
      '0',
      '-lake',
      'Lake',
      '../Lake',
      'data_lake',
      'data.lake',
      'a:b',
      `a${'b'.repeat(63)}`,
      null,
    ]) {
      expect(isConsumerId(id), String(id)).toBe(false);
    }
  });

  it('spells the consumer rule in messages exactly as the pattern has it', () => {
    expect(CONSUMER_ID.source).toBe(`^${CONSUMER_ID_RULE}$`);
  });

  it('is the rule the deploy settings apply to custom.consumers', () => {
    const require = createRequire(import.meta.url);
    const settings = require('../../deploy/settings.cjs') as { CONSUMER_ID: RegExp };
    expect(settings.CONSUMER_ID.source).toBe(CONSUMER_ID.source);
    expect(settings.CONSUMER_ID.flags).toBe(CONSUMER_ID.flags);
  });

  it('accepts the submission ids ingest mints and nothing else', () => {
    for (let i = 0; i < 20; i++) expect(isSubmissionId(randomUUID())).toBe(true);
    for (const id of [
      '',
      'not-a-uuid',
      randomUUID().toUpperCase(),
      '123e4567-e89b-12d3-a456-426614174000', // version 1
      '123e4567-e89b-42d3-c456-426614174000', // wrong variant
      `${randomUUID()}x`,
      `../${randomUUID()}`,
    ]) {
      expect(isSubmissionId(id), id).toBe(false);
    }
  });

  it('accepts file-safe ids of letters, digits and dashes only', () => {
    for (const id of ['abc', 'ABC-123', randomUUID(), 'x'.repeat(128)]) expect(isFileSafeId(id)).toBe(true);
    for (const id of ['', '.', '..', 'a/b', 'a\\b', 'a.json', 'a b', 'x'.repeat(129)]) {
      expect(isFileSafeId(id), id).toBe(false);
    }
  });

  it('accepts operator ids such as user@host and ticketed identities', () => {
    for (const id of ['alice@host', 'ops:ticket-42', 'a.b_c+d', 'x'.repeat(128)]) {
      expect(isOperatorId(id), id).toBe(true);
    }
    for (const id of ['', 'a b', 'a/b', 'a;b', 'x'.repeat(129)]) expect(isOperatorId(id), id).toBe(false);
  });
});
