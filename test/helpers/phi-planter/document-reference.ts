import type { Cast } from './cast.js';
import { SYSTEMS } from './constants.js';
import { b64, type Planter } from './context.js';
import { fmt } from './dates.js';
import type { JsonObject } from './types.js';

/** A DocumentReference with a base64 clinical note and an attachment URL. */
export function plantDocumentReference(w: Planter, cast: Cast): JsonObject {
  const { p, inText, keep, poolAt, dateTime, idOf } = w;
  const {
    given,
    middle,
    family,
    mrn,
    ssn,
    phone,
    email,
    street,
    city,
    zip,
    birthDate,
    memberId,
    vin,
    masterIdentifier,
    attachmentUrl,
    ids,
    primaryRef,
    fullName,
  } = cast;
  const docDate = poolAt(7);
  const docTextDate1 = poolAt(8);
  const docTextDate2 = poolAt(9);
  const noteText = [
    `Discharge summary for ${fullName}`,
    `MRN: ${mrn}  SSN: ${ssn}  DOB: ${fmt.us(birthDate)}`,
    `Address: ${street}, ${city}, MA ${zip}`,
    `Phone: ${phone}  Email: ${email}`,
    `Admitted ${fmt.dayMon(docTextDate1)}; discharged ${fmt.compact(docTextDate2)}.`,
    `Insurance member ${memberId}. Vehicle VIN ${vin}.`,
  ].join('\n');
  inText('DocumentReference.content.attachment.data', [
    ['name', given],
    ['name', middle],
    ['name', family],
    ['mrn', mrn],
    ['ssn', ssn],
    ['birth-date', birthDate, 'date'],
    ['street', street],
    ['city', city],
    ['zip', zip],
    ['phone', phone],
    ['email', email],
    ['free-text-date', docTextDate1, 'date'],
    ['free-text-date', docTextDate2, 'date'],
    ['member-id', memberId],
    ['vin', vin],
  ]);
  // A media-type parameter naming the file after the patient (a leak class of its own).
  inText('DocumentReference.content.attachment.contentType', [
    ['name', family],
    ['name', given],
    ['mrn', mrn],
  ]);
  const document: JsonObject = {
    resourceType: 'DocumentReference',
    id: idOf(ids.document),
    masterIdentifier: {
      system: 'urn:zqx:documents',
      value: p('other-id', 'DocumentReference.masterIdentifier', masterIdentifier),
    },
    status: 'current',
    type: { coding: [keep(SYSTEMS.loinc, '18842-5', 'Discharge summary')] },
    subject: { reference: primaryRef },
    date: `${p('date', 'DocumentReference.date', docDate, 'date')}T15:00:00-05:00`,
    author: [{ reference: ids.practitioner }],
    description: `Summary for ${p('name', 'DocumentReference.description', fullName)}`,
    content: [
      {
        attachment: {
          contentType: 'text/plain; charset=utf-8',
          data: b64(noteText),
          title: `${p('name', 'DocumentReference.content.attachment.title', family)} discharge summary`,
          creation: `${docDate}T15:00:00-05:00`,
        },
      },
      {
        attachment: {
          contentType: `application/pdf; name="${family}_${given}_${mrn}.pdf"`,
          url: p('url', 'DocumentReference.content.attachment.url', attachmentUrl),
          title: 'Scanned consent',
        },
      },
    ],
    context: {
      encounter: [{ reference: ids.encounter }],
      period: { start: dateTime(docDate, 8) },
      sourcePatientInfo: {
        reference: primaryRef,
        display: p('name', 'DocumentReference.context.sourcePatientInfo.display', fullName),
      },
    },
  };
  return document;
}
