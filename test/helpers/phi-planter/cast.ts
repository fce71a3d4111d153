import { CENSUS_2000_ONLY_ZIP3, OPEN_ZIP3, REFERENCE_DATE, RESTRICTED_ZIP3 } from './constants.js';
import type { Planter } from './context.js';

/**
 * The people, their identifiers and the resource identities every resource draws on, drawn from the
 * seed in one fixed order before any resource is built.
 */
export function drawCast(w: Planter) {
  const { c, rng, birthIn, urn } = w;
  const base = `https://ehr.${c.word().toLowerCase()}.example.org/fhir`;
  const mrnSystem = `https://${c.word().toLowerCase()}.example.org/mrn`;
  const given = c.word();
  const middle = c.word();
  const family = c.word();
  const maiden = c.word();
  const mrnDigits = c.digits(8);
  const mrn = `MRN-${mrnDigits}`;
  const ssn = `${c.digits(3, '2345678')}-${c.digits(2)}-${c.digits(4)}`;
  const ssnDigits = ssn.replaceAll('-', '');
  const license = `S${c.digits(3)}-${c.digits(4)}-${c.digits(4)}`;
  const phone = `${c.digits(3, '2345678')}-${c.digits(3, '2345678')}-${c.digits(4)}`;
  const phoneParen = `(${phone.slice(0, 3)}) ${phone.slice(4)}`;
  const mobile = `${c.digits(3, '2345678')}-${c.digits(3, '2345678')}-${c.digits(4)}`;
  const fax = `${c.digits(3, '2345678')}-${c.digits(3, '2345678')}-${c.digits(4)}`;
  const email = `${c.word().toLowerCase()}.${c.word().toLowerCase()}@${c.word().toLowerCase()}.example.com`;
  const homepage = `https://${c.word().toLowerCase()}.example.net/~${given.toLowerCase()}`;
  const street = `${c.digits(4)} ${c.word()} ${c.word()}`;
  const unit = `Apt ${c.digits(3)}${c.letters(1)}`;
  const city = c.word();
  const district = `${c.word()} County`;
  const zip = `${rng.pick(OPEN_ZIP3)}${c.digits(2, '0123456789')}`;
  const zipPlus4 = `${zip}-${c.digits(4)}`;
  const oldStreet = `${c.digits(3)} ${c.word()} ${c.word()}`;
  const oldCity = c.word();
  const restrictedZip = `${rng.pick(RESTRICTED_ZIP3)}${c.digits(2, '0123456789')}`;
  // One per place: Patient.address(billing), RelatedPerson.address(work), the payer Organization's address.
  const census2000Zips = [0, 1, 2].map(
    () => `${rng.pick(CENSUS_2000_ONLY_ZIP3)}${c.digits(2, '0123456789')}`,
  );
  const latitude = `4${rng.int(0, 8)}.${c.digits(6)}${rng.int(1, 9)}`;
  const longitude = `-7${rng.int(0, 9)}.${c.digits(6)}${rng.int(1, 9)}`;
  const birthDate = birthIn(1962, 1972);
  const employer = `${c.word()} ${c.word()} Industries`;

  const elderlyGiven = c.word();
  const elderlyFamily = c.word();
  const elderlySsn = `${c.digits(3, '2345678')}-${c.digits(2)}-${c.digits(4)}`;
  // Born 1931 or earlier: at least 93 on the reference date, so every planted age stays above the 90 bucket.
  const elderlyBirth = birthIn(1926, 1931);
  const elderlyBirthYear = elderlyBirth.slice(0, 4);
  const elderlyAge = String(
    Number(REFERENCE_DATE.slice(0, 4)) -
      Number(elderlyBirthYear) -
      (elderlyBirth.slice(5) > REFERENCE_DATE.slice(5) ? 1 : 0),
  );
  const elderlyPhone = `${c.digits(3, '2345678')}-${c.digits(3, '2345678')}-${c.digits(4)}`;
  const elderlyStreet = `${c.digits(4)} ${c.word()} ${c.word()}`;
  const elderlyCity = c.word();
  const elderlyZip = `${rng.pick(OPEN_ZIP3)}${c.digits(2, '0123456789')}`;

  const rpGiven = c.word();
  const rpFamily = c.word();
  const rpPhoneDigits = c.digits(10, '2345678');
  const rpId = `rp.${rpPhoneDigits}`;
  const rpSsn = `${c.digits(3, '2345678')}-${c.digits(2)}-${c.digits(4)}`;
  const rpEmail = `${c.word().toLowerCase()}@${c.word().toLowerCase()}.example.com`;
  const rpBirth = birthIn(1948, 1955);
  const memberId = `ZQM${c.digits(9)}`;
  const subscriberId = `ZQS${c.digits(9)}`;
  const accountNumber = c.digits(10);
  const encounterId = `ACCT-${accountNumber}`;
  const preAdmission = `PRE${c.digits(8)}`;
  const claimId = `clm-${mrnDigits}-1`;
  const claimNumber = `CLN${c.digits(9)}`;
  const preAuth = `PA${c.digits(9)}`;
  const vin = `1${c.letters(2, 'ABCDEFGHJKLMNPRSTUVWXYZ')}${c.digits(2)}${c.letters(3)}${c.digits(9)}`.slice(
    0,
    17,
  );
  const plate = `ZQX-${c.digits(4)}`;
  const serial = `SN-ZQX-${c.digits(8)}`;
  const lot = `LOT-ZQX-${c.digits(6)}`;
  const udiDi = `0${c.digits(13)}`;
  const udiHrf = `(01)${udiDi}(17)301231(10)${lot.slice(4)}(21)${serial.slice(3)}`;
  const distinctId = `DIN-ZQX-${c.digits(7)}`;
  const deviceUrl = `https://${c.word().toLowerCase()}.devices.example.org/pump/${serial}`;
  const ipv4 = `10.${rng.int(100, 250)}.${rng.int(100, 250)}.${rng.int(100, 250)}`;
  const ipv6 = `2001:db8:${rng.int(4096, 65535).toString(16)}:${rng.int(4096, 65535).toString(16)}::${rng.int(17, 250).toString(16)}`;
  const bundleIdentifier = `BATCH-${c.digits(9)}`;
  const masterIdentifier = `DOC-${c.digits(10)}`;
  const attachmentUrl = `https://files.${c.word().toLowerCase()}.example.org/scans/${mrn}/note.txt`;
  const metaSource = `https://portal.${c.word().toLowerCase()}.example.org/chart/${mrn}`;
  const tagCode = `vip-${c.digits(7)}`;

  // Resource identities.
  const primaryFullUrl = `${base}/Patient/${mrn}`;
  const elderlyFullUrl = `urn:uuid:${c.uuid()}`;
  const coverageFullUrl = `${base}/Coverage/${memberId}`;
  const ids = {
    rp: urn(),
    practitioner: urn(),
    hospital: urn(),
    payer: urn(),
    encounter: urn(),
    condition: urn(),
    vitals: urn(),
    social: urn(),
    age: urn(),
    medication: urn(),
    procedure: urn(),
    document: urn(),
    report: urn(),
    immunization: urn(),
    claim: urn(),
    device: urn(),
    audit: urn(),
  };
  const primaryRef = `Patient/${mrn}`;
  const fullName = `${given} ${middle} ${family}`;
  return {
    base,
    mrnSystem,
    given,
    middle,
    family,
    maiden,
    mrnDigits,
    mrn,
    ssn,
    ssnDigits,
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
    zip,
    zipPlus4,
    oldStreet,
    oldCity,
    restrictedZip,
    census2000Zips,
    latitude,
    longitude,
    birthDate,
    employer,
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
    rpGiven,
    rpFamily,
    rpPhoneDigits,
    rpId,
    rpSsn,
    rpEmail,
    rpBirth,
    memberId,
    subscriberId,
    accountNumber,
    encounterId,
    preAdmission,
    claimId,
    claimNumber,
    preAuth,
    vin,
    plate,
    serial,
    lot,
    udiDi,
    udiHrf,
    distinctId,
    deviceUrl,
    ipv4,
    ipv6,
    bundleIdentifier,
    masterIdentifier,
    attachmentUrl,
    metaSource,
    tagCode,
    primaryFullUrl,
    elderlyFullUrl,
    coverageFullUrl,
    ids,
    primaryRef,
    fullName,
  };
}

export type Cast = ReturnType<typeof drawCast>;
