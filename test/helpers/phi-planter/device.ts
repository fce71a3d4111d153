import type { Cast } from './cast.js';
import { SYSTEMS } from './constants.js';
import { b64, type Planter } from './context.js';
import type { JsonObject } from './types.js';

/** An insulin pump: serial, UDI, lot and URL are device identifiers. */
export function plantDevice(w: Planter, cast: Cast): JsonObject {
  const { p, keep, c, idOf } = w;
  const { family, serial, lot, udiDi, udiHrf, distinctId, deviceUrl, ids, primaryRef } = cast;
  const deviceNote = c.word();
  const device: JsonObject = {
    resourceType: 'Device',
    id: idOf(ids.device),
    identifier: [{ system: 'urn:zqx:serial', value: p('device-id', 'Device.identifier.value', serial) }],
    udiCarrier: [
      {
        deviceIdentifier: p('device-id', 'Device.udiCarrier.deviceIdentifier', udiDi),
        carrierHRF: p('device-id', 'Device.udiCarrier.carrierHRF', udiHrf),
        carrierAIDC: b64(udiHrf),
      },
    ],
    distinctIdentifier: p('device-id', 'Device.distinctIdentifier', distinctId),
    lotNumber: p('device-id', 'Device.lotNumber', lot),
    serialNumber: p('device-id', 'Device.serialNumber', serial),
    deviceName: [
      {
        name: `${p('name', 'Device.deviceName.name', family)} family insulin pump`,
        type: 'user-friendly-name',
      },
    ],
    type: { coding: [keep(SYSTEMS.snomed, '69805005', 'Insulin pump')] },
    patient: { reference: primaryRef },
    url: p('url', 'Device.url', deviceUrl),
    note: [{ text: `Paired with phone of ${p('name', 'Device.note.text', deviceNote)}` }],
  };
  return device;
}
