import { PipelineError } from '../../core/errors.js';

const KEY_CHARS = /^[A-Za-z0-9!_.*'()/-]*$/;
export const MAX_KEY_LENGTH = 1024;
/** File-system limit on one path segment (NAME_MAX). */
export const MAX_SEGMENT_LENGTH = 255;

const invalid = (message: string, rule: string): PipelineError =>
  new PipelineError('content-invalid', message, { details: { rule } });

function assertSegments(value: string, kind: 'key' | 'prefix', allowOpenEnd: boolean): void {
  const segments = value.split('/');
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === '' && !(allowOpenEnd && last)) {
      throw invalid(`object ${kind} has an empty path segment`, 'no-empty-segment');
    }
    if (segment === '.' || segment === '..')
      throw invalid(`object ${kind} has a dot segment`, 'no-dot-segment');
    if (segment.startsWith('.tmp-'))
      throw invalid(`object ${kind} segment uses the reserved .tmp- prefix`, 'reserved');
    if (segment.length > MAX_SEGMENT_LENGTH) {
      throw invalid(`object ${kind} segment exceeds ${MAX_SEGMENT_LENGTH} characters`, 'segment-length');
    }
  });
}

/**
 * Object keys: S3 "safe characters" only, at most 1024, no empty, `.` or `..` segments (so no leading
 * or trailing `/`), and no segment in the `.tmp-` namespace that in-progress writes use.
 */
export function assertObjectKey(key: string): void {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw invalid(`object key must be 1 to ${MAX_KEY_LENGTH} characters`, 'length');
  }
  if (!KEY_CHARS.test(key))
    throw invalid("object key has a character outside [A-Za-z0-9!_.*'()/-]", 'charset');
  assertSegments(key, 'key', false);
}

/** A listing prefix: the key rules, except that it may be empty or end in `/` or mid-segment. */
export function assertObjectPrefix(prefix: string): void {
  if (prefix.length > MAX_KEY_LENGTH)
    throw invalid(`object prefix exceeds ${MAX_KEY_LENGTH} characters`, 'length');
  if (!KEY_CHARS.test(prefix)) {
    throw invalid("object prefix has a character outside [A-Za-z0-9!_.*'()/-]", 'charset');
  }
  if (prefix === '') return;
  // A trailing partial segment such as `a/b.` or `a/.` may still match real keys, so only whole segments are checked.
  const whole = prefix.slice(0, prefix.lastIndexOf('/') + 1);
  if (whole !== '') assertSegments(whole, 'prefix', true);
}
