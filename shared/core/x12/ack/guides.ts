import { GUIDE_277CA } from '../guide/277ca.js';
import { GUIDE_999 } from '../guide/999.js';
import type { TransactionGuide } from '../guide/model.js';

/**
 * The acknowledgement guides by GS08/ST03, for reading acknowledgements back with the reader that
 * reads 837s (`readX12(bytes, undefined, { guides: ackGuideFor })`).
 */
const ACK_GUIDES: Readonly<Record<string, TransactionGuide>> = {
  [GUIDE_999.version]: GUIDE_999,
  [GUIDE_277CA.version]: GUIDE_277CA,
};

export function ackGuideFor(version: string): TransactionGuide | undefined {
  return Object.hasOwn(ACK_GUIDES, version) ? ACK_GUIDES[version] : undefined;
}

export { GUIDE_277CA, GUIDE_999 };
