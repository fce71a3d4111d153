import { Buffer } from 'node:buffer';
import type { Cast } from './cast.js';
import { SYSTEMS } from './constants.js';
import { b64, type Planter } from './context.js';
import type { JsonObject } from './types.js';

/** A DiagnosticReport with an HTML presentedForm and a contained photo Media. */
export function plantDiagnosticReport(w: Planter, cast: Cast): JsonObject {
  const { p, inText, keep, c, poolAt, dateTime, idOf } = w;
  const { given, family, mrnDigits, mrn, phone, ids, primaryRef, fullName } = cast;
  const reportDate = poolAt(10);
  const conclusionDate = poolAt(17);
  const mediaMarker = `ZQXWOUND${c.digits(8)}`;
  const html = `<html><body><h1>Report: ${fullName}</h1><p>MRN ${mrn}, phone ${phone}</p></body></html>`;
  inText('DiagnosticReport.presentedForm.data', [
    ['name', given],
    ['name', family],
    ['mrn', mrn],
    ['phone', phone],
  ]);
  inText('DiagnosticReport.contained(Media).content.data', [['photo', mediaMarker]]);
  // Media-type parameters carrying file names made of the patient's name and record number.
  inText('DiagnosticReport.presentedForm.contentType', [
    ['name', given],
    ['name', family],
  ]);
  inText('DiagnosticReport.contained(Media).content.contentType', [['mrn', mrn]]);
  const report: JsonObject = {
    resourceType: 'DiagnosticReport',
    id: idOf(ids.report),
    contained: [
      {
        resourceType: 'Media',
        id: p('mrn', 'DiagnosticReport.contained(Media).id', `img-${mrnDigits}`),
        status: 'completed',
        subject: { reference: primaryRef },
        content: {
          contentType: `image/jpeg;filename="wound-${mrn}.jpg"`,
          data: b64(
            Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xfe]), Buffer.from(`${mediaMarker} ${family}`)]),
          ),
          title: `Wound photo, ${p('name', 'DiagnosticReport.contained(Media).content.title', family)}`,
        },
      },
    ],
    status: 'final',
    code: { coding: [keep(SYSTEMS.loinc, '24627-2', 'Chest CT')] },
    subject: { reference: primaryRef },
    effectiveDateTime: dateTime(p('date', 'DiagnosticReport.effectiveDateTime', reportDate, 'date'), 14),
    issued: `${p('date', 'DiagnosticReport.issued', poolAt(15), 'date')}T16:20:00.000Z`,
    result: [{ reference: ids.vitals }],
    conclusion: `Discussed with ${p('name', 'DiagnosticReport.conclusion', given)} on ${p('free-text-date', 'DiagnosticReport.conclusion', conclusionDate, 'date')}.`,
    conclusionCode: [{ coding: [keep(SYSTEMS.snomed, '17621005', 'Normal')] }],
    media: [
      {
        comment: `Photo taken by ${p('name', 'DiagnosticReport.media.comment', c.word())}`,
        link: { reference: `#img-${mrnDigits}` },
      },
    ],
    presentedForm: [
      {
        contentType: `text/html; charset=utf-8; name=${given}-${family}-ct.html`,
        data: b64(html),
        title: `CT report ${p('mrn', 'DiagnosticReport.presentedForm.title', mrn)}`,
      },
    ],
  };
  return report;
}
