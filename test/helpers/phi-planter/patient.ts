import { Buffer } from 'node:buffer';
import type { Cast } from './cast.js';
import { OPEN_ZIP3, SYSTEMS } from './constants.js';
import { b64, coding, type Planter } from './context.js';
import { fmt } from './dates.js';
import type { JsonObject } from './types.js';

/**
 * The primary Patient: canaries in nearly every element a Patient has, extensions and primitive
 * extensions included.
 */
export function plantPatient(w: Planter, cast: Cast): JsonObject {
  const { p, inText, c, rng, poolAt } = w;
  const {
    mrnSystem,
    given,
    middle,
    family,
    maiden,
    mrn,
    ssn,
    license,
    phone,
    phoneParen,
    mobile,
    fax,
    email,
    homepage,
    street,
    unit,
    city,
    district,
    zipPlus4,
    oldStreet,
    oldCity,
    restrictedZip,
    census2000Zips,
    latitude,
    longitude,
    birthDate,
    employer,
    rpId,
    metaSource,
    tagCode,
    ids,
    fullName,
  } = cast;
  const narrativePlace = 'Patient.text.div';
  inText(narrativePlace, [
    ['name', given],
    ['name', family],
    ['mrn', mrn],
    ['phone', phoneParen],
    ['street', street],
    ['birth-date', birthDate, 'date'],
    ['free-text-date', poolAt(16), 'date'],
  ]);
  const photoMarker = `ZQXFACE${c.digits(8)}`;
  const photoBytes = Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
    Buffer.from('JFIF\u0000', 'latin1'),
    Buffer.from([0xff, 0xfe, 0x00, 0x30]),
    Buffer.from(` ${photoMarker} full-face photo of ${given} ${family} `, 'latin1'),
    Buffer.from(Array.from({ length: 48 }, () => rng.int(0, 255))),
    Buffer.from([0xff, 0xd9]),
  ]);
  const photoData = b64(photoBytes);
  inText('Patient.photo.data', [
    ['photo', photoData],
    ['photo', photoMarker],
  ]);
  const fingerprint = `FPRINT:${c.letters(24)}:${given}`;
  inText('Patient.extension.valueBase64Binary', [['biometric', fingerprint]]);

  inText('Patient.address.text', [
    ['street', street],
    ['street', unit],
    ['city', city],
    ['zip', zipPlus4],
  ]);
  const patient: JsonObject = {
    resourceType: 'Patient',
    id: p('mrn', 'Patient.id', mrn),
    meta: {
      source: p('url', 'Patient.meta.source', metaSource),
      tag: [
        {
          system: `https://${c.word().toLowerCase()}.example.org/tags`,
          code: p('other-id', 'Patient.meta.tag.code', tagCode),
          display: `VIP: ${p('name', 'Patient.meta.tag.display', family)}`,
        },
      ],
    },
    text: {
      status: 'generated',
      div: `<div xmlns="http://www.w3.org/1999/xhtml"><p>${fullName} (${mrn}), born ${fmt.long(birthDate)}.</p><p>${street}, ${city}. Tel ${phoneParen}. Last seen ${fmt.monAbbrev(poolAt(16))}.</p></div>`,
    },
    extension: [
      {
        url: 'http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName',
        valueString: p('name', 'Patient.extension(mothersMaidenName).valueString', maiden),
      },
      {
        url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace',
        valueAddress: {
          line: [p('street', 'Patient.extension(birthPlace).valueAddress.line', oldStreet)],
          city: p('city', 'Patient.extension(birthPlace).valueAddress.city', oldCity),
          state: 'NH',
          country: 'US',
        },
      },
      {
        url: 'http://hl7.org/fhir/StructureDefinition/patient-nationality',
        extension: [
          {
            url: 'code',
            valueCodeableConcept: {
              coding: [coding('urn:iso:std:iso:3166', 'US', 'United States of America')],
              text: `Citizen, naturalised at ${p('city', 'Patient.extension(nationality).extension(code).valueCodeableConcept.text', c.word())}`,
            },
          },
        ],
      },
      {
        url: `https://${c.word().toLowerCase()}.example.org/fhir/StructureDefinition/employer`,
        valueString: p('employer', 'Patient.extension(unknown).valueString', employer),
      },
      {
        url: `https://${c.word().toLowerCase()}.example.org/fhir/StructureDefinition/alias`,
        valueHumanName: {
          family: p('name', 'Patient.extension.valueHumanName.family', c.word()),
          given: [p('name', 'Patient.extension.valueHumanName.given', c.word())],
        },
      },
      {
        url: `https://${c.word().toLowerCase()}.example.org/fhir/StructureDefinition/second-home`,
        valueAddress: {
          line: [
            p('street', 'Patient.extension.valueAddress.line', `${c.digits(3)} ${c.word()} ${c.word()}`),
          ],
          city: p('city', 'Patient.extension.valueAddress.city', c.word()),
          postalCode: p(
            'zip',
            'Patient.extension.valueAddress.postalCode',
            `${rng.pick(OPEN_ZIP3)}${c.digits(2)}`,
          ),
          state: 'VT',
        },
      },
      {
        url: `https://${c.word().toLowerCase()}.example.org/fhir/StructureDefinition/fingerprint`,
        valueBase64Binary: b64(fingerprint),
      },
      {
        url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex',
        valueCode: 'F',
      },
      {
        // An allow-listed extension whose free-text part carries PHI.
        url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race',
        extension: [
          { url: 'ombCategory', valueCoding: coding('urn:oid:2.16.840.1.113883.6.238', '2106-3', 'White') },
          {
            url: 'text',
            valueString: `White, per ${p('name', 'Patient.extension(us-core-race).extension(text).valueString', c.word())}`,
          },
        ],
      },
      {
        url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity',
        extension: [
          {
            url: 'ombCategory',
            valueCoding: coding('urn:oid:2.16.840.1.113883.6.238', '2186-5', 'Not Hispanic or Latino'),
          },
          {
            url: 'text',
            valueString: `Not Hispanic, born in ${p('city', 'Patient.extension(us-core-ethnicity).extension(text).valueString', oldCity)}`,
          },
        ],
      },
    ],
    identifier: [
      {
        use: 'usual',
        type: { coding: [coding(SYSTEMS.v2_0203, 'MR', 'Medical record number')] },
        system: mrnSystem,
        value: p('mrn', 'Patient.identifier(MR).value', mrn),
      },
      {
        type: { coding: [coding(SYSTEMS.v2_0203, 'SS', 'Social Security number')] },
        system: SYSTEMS.ssn,
        value: p('ssn', 'Patient.identifier(SSN).value', ssn),
      },
      {
        type: { coding: [coding(SYSTEMS.v2_0203, 'DL', "Driver's license number")] },
        system: 'urn:oid:2.16.840.1.113883.4.3.25',
        value: p('license', 'Patient.identifier(DL).value', license),
      },
    ],
    name: [
      {
        use: 'official',
        text: p('name', 'Patient.name.text', fullName),
        family: p('name', 'Patient.name.family', family),
        _family: {
          extension: [
            {
              url: 'http://hl7.org/fhir/StructureDefinition/humanname-own-prefix',
              valueString: p('name', 'Patient.name._family.extension.valueString', c.word()),
            },
          ],
        },
        given: [p('name', 'Patient.name.given', given), p('name', 'Patient.name.given', middle)],
        // Primitive extensions of a repeating element align with it, null where there is none.
        _given: [
          null,
          {
            extension: [
              {
                url: 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier',
                valueCode: 'CL',
              },
              {
                url: `https://${c.word().toLowerCase()}.example.org/fhir/StructureDefinition/given-note`,
                valueString: `Called ${p('name', 'Patient.name._given.extension.valueString', c.word())} at home`,
              },
            ],
          },
        ],
        prefix: ['Ms.'],
        suffix: [p('name', 'Patient.name.suffix', c.word())],
      },
      { use: 'maiden', family: p('name', 'Patient.name(maiden).family', maiden), given: [given] },
    ],
    telecom: [
      { system: 'phone', value: p('phone', 'Patient.telecom(phone).value', phone), use: 'home' },
      {
        system: 'phone',
        value: p('phone', 'Patient.telecom(mobile).value', mobile),
        _value: {
          extension: [
            {
              url: `https://${c.word().toLowerCase()}.example.org/fhir/StructureDefinition/telecom-note`,
              valueString: `Ask for ${p('name', 'Patient.telecom._value.extension.valueString', c.word())}`,
            },
          ],
        },
        use: 'mobile',
      },
      { system: 'fax', value: p('fax', 'Patient.telecom(fax).value', fax) },
      { system: 'email', value: p('email', 'Patient.telecom(email).value', email) },
      { system: 'url', value: p('url', 'Patient.telecom(url).value', homepage) },
    ],
    gender: 'female',
    birthDate: p('birth-date', 'Patient.birthDate', birthDate, 'date'),
    _birthDate: {
      extension: [
        {
          url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime',
          valueDateTime: `${birthDate}T14:32:00-05:00`,
        },
        {
          url: `https://${c.word().toLowerCase()}.example.org/fhir/StructureDefinition/birth-note`,
          valueString: `Delivered by ${p('name', 'Patient._birthDate.extension.valueString', c.word())} at home`,
        },
      ],
    },
    address: [
      {
        extension: [
          {
            url: 'http://hl7.org/fhir/StructureDefinition/geolocation',
            extension: [
              {
                url: 'latitude',
                valueDecimal: Number(p('geo', 'Patient.address.extension(geolocation)', latitude)),
              },
              {
                url: 'longitude',
                valueDecimal: Number(p('geo', 'Patient.address.extension(geolocation)', longitude)),
              },
            ],
          },
        ],
        use: 'home',
        text: `${street}, ${unit}, ${city} MA ${zipPlus4}`,
        line: [p('street', 'Patient.address.line', street), p('street', 'Patient.address.line', unit)],
        city: p('city', 'Patient.address.city', city),
        district: p('district', 'Patient.address.district', district),
        state: 'MA',
        postalCode: p('zip', 'Patient.address.postalCode', zipPlus4),
        country: 'US',
      },
      {
        use: 'old',
        line: [p('street', 'Patient.address(old).line', oldStreet)],
        city: p('city', 'Patient.address(old).city', oldCity),
        state: 'NH',
        postalCode: p('zip-restricted', 'Patient.address(old).postalCode', restrictedZip, 'zip3'),
      },
      {
        use: 'billing',
        state: 'TX',
        postalCode: p(
          'zip-restricted',
          'Patient.address(billing).postalCode',
          census2000Zips[0] ?? '',
          'zip3',
        ),
      },
    ],
    maritalStatus: {
      coding: [coding('http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', 'M', 'Married')],
    },
    photo: [
      {
        contentType: 'image/jpeg',
        data: photoData,
        title: `Photo of ${p('name', 'Patient.photo.title', family)}`,
      },
    ],
    contact: [
      {
        modifierExtension: [
          {
            url: `https://${c.word().toLowerCase()}.example.org/fhir/StructureDefinition/contact-do-not-disclose`,
            valueString: `Never disclose to ${p('name', 'Patient.contact.modifierExtension.valueString', c.word())}`,
          },
        ],
        relationship: [
          { coding: [coding('http://terminology.hl7.org/CodeSystem/v2-0131', 'N', 'Next-of-Kin')] },
        ],
        name: {
          family: p('name', 'Patient.contact.name.family', c.word()),
          given: [p('name', 'Patient.contact.name.given', c.word())],
        },
        telecom: [
          {
            system: 'phone',
            value: p(
              'phone',
              'Patient.contact.telecom.value',
              `${c.digits(3, '2345678')}.${c.digits(3)}.${c.digits(4)}`,
            ),
          },
          {
            system: 'email',
            value: p('email', 'Patient.contact.telecom.value', `${c.word().toLowerCase()}@example.org`),
          },
        ],
        address: {
          line: [p('street', 'Patient.contact.address.line', `${c.digits(4)} ${c.word()} ${c.word()}`)],
          city: p('city', 'Patient.contact.address.city', c.word()),
          postalCode: p('zip', 'Patient.contact.address.postalCode', `${rng.pick(OPEN_ZIP3)}${c.digits(2)}`),
        },
        organization: { display: p('employer', 'Patient.contact.organization.display', employer) },
      },
      // The employer, as a contact that only references the contained Organization.
      {
        relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: 'E' }] }],
        organization: { reference: '#employer' },
      },
    ],
    // The employer as an Organization: its name goes with it, and must not survive elsewhere.
    contained: [
      {
        resourceType: 'Organization',
        id: 'employer',
        name: p('employer', 'Patient.contained(Organization).name', employer),
      },
    ],
    generalPractitioner: [{ reference: ids.practitioner }],
    managingOrganization: { reference: ids.hospital },
    link: [{ other: { reference: `RelatedPerson/${rpId}` }, type: 'seealso' }],
  };
  return patient;
}

/** A second Patient, over 89: its age and birth year are PHI on their own. */
export function plantElderlyPatient(w: Planter, cast: Cast): JsonObject {
  const { p } = w;
  const {
    elderlyGiven,
    elderlyFamily,
    elderlySsn,
    elderlyBirth,
    elderlyBirthYear,
    elderlyAge,
    elderlyPhone,
    elderlyStreet,
    elderlyCity,
    elderlyZip,
  } = cast;
  const elderlyPatient: JsonObject = {
    resourceType: 'Patient',
    id: p('ssn', 'Patient(elderly).id', elderlySsn),
    text: {
      status: 'generated',
      div: `<div xmlns="http://www.w3.org/1999/xhtml">${p('name', 'Patient(elderly).text.div', elderlyGiven)} ${elderlyFamily}, age ${p('age-over-89', 'Patient(elderly).text.div', `age ${elderlyAge}`)}</div>`,
    },
    identifier: [
      { system: SYSTEMS.ssn, value: p('ssn', 'Patient(elderly).identifier(SSN).value', elderlySsn) },
    ],
    name: [
      {
        family: p('name', 'Patient(elderly).name.family', elderlyFamily),
        given: [p('name', 'Patient(elderly).name.given', elderlyGiven)],
      },
    ],
    telecom: [{ system: 'phone', value: p('phone', 'Patient(elderly).telecom.value', elderlyPhone) }],
    gender: 'male',
    birthDate: elderlyBirth,
    address: [
      {
        line: [p('street', 'Patient(elderly).address.line', elderlyStreet)],
        city: p('city', 'Patient(elderly).address.city', elderlyCity),
        state: 'FL',
        postalCode: p('zip', 'Patient(elderly).address.postalCode', elderlyZip),
      },
    ],
  };
  p('birth-date', 'Patient(elderly).birthDate', elderlyBirth, 'date');
  p('birth-year-over-89', 'Patient(elderly).birthDate', elderlyBirthYear, 'year');
  return elderlyPatient;
}
