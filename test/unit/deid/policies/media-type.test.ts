import { describe, expect, it } from 'vitest';
import {
  MEDIA_TYPE_ELEMENTS,
  mediaTypeElementPolicies,
  mediaTypePolicy,
} from '../../../../shared/core/deid/policies/media-type.js';
import { DROP, keep } from '../../../../shared/core/deid/policies/policy.js';
import { decide, elementPolicyFor, wholePolicyFor } from '../../../../shared/core/deid/policies/registry.js';
import { withheldWholePolicy } from '../../../../shared/core/deid/policies/withheld.js';
import { harness, inputFor } from './support.js';

const LEAKY = 'application/pdf; name="Smith_John_MRN00123456.pdf"';

describe('Function: mediaTypePolicy', () => {
  it('keeps the bare type/subtype and drops every parameter, counted', () => {
    const h = harness();
    const cases: readonly (readonly [string, string])[] = [
      [LEAKY, 'application/pdf'],
      ["image/jpeg;filename*=UTF-8''Doe%20Jane%2012345.jpg", 'image/jpeg'],
      ['multipart/related; boundary="MRN-00123456"; type="text/xml"', 'multipart/related'],
      ['text/plain ; charset=utf-8', 'text/plain'],
    ];
    for (const [value, bare] of cases) {
      expect(mediaTypePolicy(inputFor(h, 'Attachment', 'contentType', value), h.services)).toEqual(
        keep(bare, 'check'),
      );
    }
    expect(h.counts).toEqual(Array(4).fill('media-parameters-drop:Attachment.contentType'));
  });

  it('keeps a bare media type uncounted, still checked against the record', () => {
    const h = harness();
    for (const value of ['application/pdf', 'application/fhir+json', 'application/vnd.ms-excel', 'json']) {
      expect(mediaTypePolicy(inputFor(h, 'Attachment', 'contentType', value), h.services)).toEqual(
        keep(value, 'check'),
      );
    }
    expect(h.counts).toEqual([]);
  });

  it('withholds what is not a media type once the parameters are gone', () => {
    const h = harness();
    for (const value of ['Smith_John_MRN123.pdf', 'application/pdf name=Smith John', 'pdf', '', 42]) {
      expect(mediaTypePolicy(inputFor(h, 'Attachment', 'contentType', value), h.services)).toBe(DROP);
    }
    expect(h.counts).toEqual(Array(5).fill('backstop-drop:Attachment.contentType'));
  });
});

describe('media types in the registry', () => {
  it('covers every element R4 binds to the mimetypes value set', () => {
    const bound = Object.entries(MEDIA_TYPE_ELEMENTS).flatMap(([type, elements]) =>
      elements.map((element) => `${type}.${element}`),
    );
    expect(bound.sort()).toEqual(
      [
        'Attachment.contentType',
        'Binary.contentType',
        'CapabilityStatement.format',
        'CapabilityStatement.patchFormat',
        'ElementDefinition.mapping.language',
        'Endpoint.payloadMimeType',
        'Signature.sigFormat',
        'Signature.targetFormat',
        'Subscription.channel.payload',
        'TestScript.setup.action.assert.contentType',
        'TestScript.setup.action.operation.accept',
        'TestScript.setup.action.operation.contentType',
      ].sort(),
    );
    for (const [type, elements] of Object.entries(MEDIA_TYPE_ELEMENTS)) {
      for (const element of elements)
        expect(elementPolicyFor(type, element), `${type}.${element}`).toBe(mediaTypePolicy);
    }
  });

  it('strips parameters wherever the registry is asked, under both profiles', () => {
    for (const profile of ['safe-harbor', 'limited-data-set'] as const) {
      const h = harness({ profile });
      const modes =
        profile === 'safe-harbor' ? {} : { dates: 'shift' as const, identifiers: 'pseudonymize' as const };
      for (const [type, element] of [
        ['Attachment', 'contentType'],
        ['Binary', 'contentType'],
        ['Endpoint', 'payloadMimeType'],
        ['Signature', 'targetFormat'],
        ['Subscription.channel', 'payload'],
      ] as const) {
        const input = inputFor(h, type, element, LEAKY, { valueType: 'code', modes });
        expect(decide(input, h.services), `${profile} ${type}.${element}`).toEqual(
          keep('application/pdf', 'check'),
        );
      }
    }
  });

  it('keeps the other policies of a holder', () => {
    expect(elementPolicyFor('Attachment', 'title')).toBeTypeOf('function');
    expect(elementPolicyFor('Attachment', 'url')).toBeTypeOf('function');
    expect(wholePolicyFor('Signature')).toBe(withheldWholePolicy);
    expect(mediaTypeElementPolicies('constructor')).toEqual({});
  });
});
