/** The two S3 XML documents a multipart upload's client reads and writes (S3 API ListParts, CompleteMultipartUpload). */

export interface UploadedPart {
  readonly partNumber: number;
  /** Without quotes. */
  readonly eTag: string;
  readonly size?: number;
  readonly checksumSha256?: string;
}

const unquote = (value: string): string =>
  value
    .replace(/&quot;|&#34;/g, '"')
    .replace(/"/g, '')
    .trim();

const field = (xml: string, name: string): string | undefined =>
  new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1]?.trim();

/**
 * The parts of a `ListPartsResult`, in part order; undefined when the text is not one. (moto_server
 * names its root `ListPartsResponse`.)
 */
export function parseListParts(xml: string): UploadedPart[] | undefined {
  if (!/<ListParts(Result|Response)[\s>]/.test(xml)) return undefined;
  const parts: UploadedPart[] = [];
  for (const [, inner = ''] of xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
    const partNumber = Number(field(inner, 'PartNumber'));
    const eTag = unquote(field(inner, 'ETag') ?? '');
    if (!Number.isInteger(partNumber) || partNumber < 1 || eTag === '') continue;
    const size = Number(field(inner, 'Size'));
    const checksumSha256 = field(inner, 'ChecksumSHA256');
    parts.push({
      partNumber,
      eTag,
      ...(Number.isSafeInteger(size) ? { size } : {}),
      ...(checksumSha256 ? { checksumSha256 } : {}),
    });
  }
  return parts.sort((a, b) => a.partNumber - b.partNumber);
}

/** The body of a CompleteMultipartUpload: every part with its ETag and SHA-256, in part order. */
export function completeMultipartXml(parts: readonly UploadedPart[]): string {
  const items = [...parts]
    .sort((a, b) => a.partNumber - b.partNumber)
    .map(
      (p) =>
        `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>"${p.eTag}"</ETag>` +
        `${p.checksumSha256 ? `<ChecksumSHA256>${p.checksumSha256}</ChecksumSHA256>` : ''}</Part>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${items}</CompleteMultipartUpload>`;
}
