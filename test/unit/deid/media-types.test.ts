import { describe, expect, it } from 'vitest';
import { builtInProfile, type ConsumerContract } from '../../../shared/core/deid/contract.js';
import { engineFor, type Json } from './support/deid-fixtures.js';

/**
 * Media-type parameters (`name="…"`, `filename=…`) are a leak class: the file name is often the
 * patient's name and record number. Every element R4 binds to mimetypes keeps only `type/subtype`,
 * under both profiles, wherever the element sits.
 */
const FILE = 'Doe_Jonathan_MRN0012345';
const PATIENT: Json = {
  resourceType: 'Patient',
  id: 'p1',
  name: [{ family: 'Doe', given: ['Jonathan'] }],
  identifier: [{ system: 'http://hospital.example.org/mrn', value: 'MRN0012345' }],
  gender: 'male',
};
const subject = { reference: 'Patient/p1' };

const RESOURCES: readonly (readonly [string, Json, (out: Json) => unknown])[] = [
  [
    'Communication.payload.contentAttachment',
    {
      resourceType: 'Communication',
      id: 'c1',
      status: 'completed',
      subject,
      payload: [{ contentAttachment: { contentType: `application/pdf; name="${FILE}.pdf"` } }],
    },
    (out) => (out.payload as Json[])[0]?.contentAttachment,
  ],
  [
    'QuestionnaireResponse.item.answer.valueAttachment',
    {
      resourceType: 'QuestionnaireResponse',
      id: 'q1',
      status: 'completed',
      subject,
      item: [
        {
          linkId: 'scan',
          answer: [{ valueAttachment: { contentType: `image/png;filename*=UTF-8''${FILE}.png` } }],
        },
      ],
    },
    (out) => ((out.item as Json[])[0]?.answer as Json[] | undefined)?.[0]?.valueAttachment,
  ],
  [
    'Media.content',
    {
      resourceType: 'Media',
      id: 'm1',
      status: 'completed',
      subject,
      content: { contentType: `image/jpeg; name=${FILE}.jpg; x-mrn=MRN0012345` },
    },
    (out) => out.content,
  ],
  [
    'DocumentReference.content.attachment',
    {
      resourceType: 'DocumentReference',
      id: 'd1',
      status: 'current',
      subject,
      content: [{ attachment: { contentType: `application/pdf; name="${FILE}.pdf"` } }],
    },
    (out) => (out.content as Json[])[0]?.attachment,
  ],
];

const EXPECTED: Readonly<Record<string, string>> = {
  'Communication.payload.contentAttachment': 'application/pdf',
  'QuestionnaireResponse.item.answer.valueAttachment': 'image/png',
  'Media.content': 'image/jpeg',
  'DocumentReference.content.attachment': 'application/pdf',
};

const profiles = ['safe-harbor', 'limited-data-set'] as const;

describe.each(profiles)('media types under %s', (profile) => {
  const engine = engineFor(builtInProfile(profile));

  it.each(RESOURCES)('%s keeps only type/subtype', (place, resource, attachmentOf) => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: PATIENT }, { resource }],
    };
    const result = engine.deidentifyBundle(bundle);
    const out = (result.output.entry as Json[])[1]?.resource as Json;
    expect(attachmentOf(out)).toEqual({ contentType: EXPECTED[place] });
    expect(JSON.stringify(result.output)).not.toMatch(/Doe|Jonathan|0012345/);
    expect(Object.keys(result.report.counts).some((k) => k.startsWith('media-parameters-drop:'))).toBe(true);
  });

  it('Endpoint.payloadMimeType keeps only type/subtype, and drops what is no media type', () => {
    const endpoint = {
      resourceType: 'Endpoint',
      id: 'e1',
      status: 'active',
      connectionType: {
        system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type',
        code: 'hl7-fhir-rest',
      },
      payloadType: [{ text: 'any' }],
      payloadMimeType: [`application/fhir+json; name="${FILE}"`, 'application/pdf', `${FILE}.pdf`],
      address: 'https://example.org/fhir',
    };
    const out = engine.deidentifyResource(endpoint).output as Json;
    expect(out.payloadMimeType).toEqual(['application/fhir+json', 'application/pdf']);
    expect(JSON.stringify(out)).not.toMatch(/Doe|Jonathan|0012345/);
  });

  it('Binary.contentType keeps only type/subtype when a contract lets Binary through', () => {
    const base = builtInProfile(profile);
    const contract: ConsumerContract = {
      ...base,
      name: 'with-binary',
      resources: { ...base.resources, Binary: { elements: ['contentType', 'securityContext'] } },
    };
    const binary = {
      resourceType: 'Binary',
      id: 'b1',
      contentType: `application/pdf; name="${FILE}.pdf"`,
      data: 'AAAA',
    };
    const out = engineFor(contract).deidentifyResource(binary).output as Json;
    expect(out.contentType).toBe('application/pdf');
    expect(JSON.stringify(out)).not.toMatch(/Doe|Jonathan|0012345/);
  });
});
