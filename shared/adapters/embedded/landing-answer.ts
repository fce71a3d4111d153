/** What the local host answers to a signed landing URL, S3's way: a status, headers and an XML body. */
export interface LandingAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Set when a whole file landed: what S3 puts in its `ObjectCreated:*` event record. */
  readonly landed?: {
    readonly key: string;
    readonly size: number;
    readonly eTag: string;
    /** `Put` for a single PUT, `CompleteMultipartUpload` for an assembled multipart upload. */
    readonly how: 'Put' | 'CompleteMultipartUpload';
  };
  /** True when the refusal came before the body was read: the host closes the connection. */
  readonly bodyUnread?: boolean;
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** Our keys, ids and numbers only ever go in here; escaped all the same. */
export const xmlText = (value: string | number): string =>
  String(value).replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function s3Error(status: number, code: string, message: string, bodyUnread = false): LandingAnswer {
  return {
    status,
    headers: { 'Content-Type': 'application/xml' },
    body: `${XML_HEAD}<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
    bodyUnread,
  };
}

export function s3Xml(body: string, headers: Readonly<Record<string, string>> = {}): LandingAnswer {
  return {
    status: 200,
    headers: { 'Content-Type': 'application/xml', ...headers },
    body: `${XML_HEAD}${body}`,
  };
}
