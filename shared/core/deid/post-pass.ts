import type { DeferKind, Json } from './policies/policy.js';
import { carriesPhi, type PhiContext, scrubFreeText, textToXhtml, xhtmlToText } from './scrubber.js';

export interface PostPassHooks<R> {
  /** A kept value was removed because it carries the record's PHI. */
  removed(record: R, path: string): void;
  /** A free-text value was replaced by its scrubbed text. */
  scrubbed(record: R, path: string): void;
}

/**
 * Values the walk kept but could only judge once the whole record had been seen: human-readable
 * strings to check against the record's own identifiers, free text to scrub. Stored as parallel
 * arrays (one push per value, no object per value: a large Bundle has tens of thousands). `R` is the
 * record a value belongs to, handed back to the hooks.
 */
export class PostPass<R> {
  private readonly holders: (Json | unknown[])[] = [];
  private readonly keys: (string | number)[] = [];
  private readonly kinds: DeferKind[] = [];
  private readonly paths: string[] = [];
  private readonly records: R[] = [];

  add(holder: Json | unknown[], key: string | number, kind: DeferKind, path: string, record: R): void {
    this.holders.push(holder);
    this.keys.push(key);
    this.kinds.push(kind);
    this.paths.push(path);
    this.records.push(record);
  }

  run(phi: PhiContext, hooks: PostPassHooks<R>): void {
    const withPatterns = new Map<string, boolean>();
    const contextOnly = new Map<string, boolean>();
    for (let i = 0; i < this.kinds.length; i++) {
      const holder = this.holders[i] as Record<string | number, unknown>;
      const key = this.keys[i] ?? '';
      const record = this.records[i];
      const path = this.paths[i] ?? '';
      const value = holder[key];
      const kind = this.kinds[i];
      if (record === undefined) continue;
      const remove = () => {
        if (Array.isArray(holder)) holder[key as number] = null;
        else delete holder[key];
        hooks.removed(record, path);
      };
      const replace = (text: string) => {
        holder[key] = text;
        hooks.scrubbed(record, path);
      };
      if (kind === 'number') {
        if (typeof value === 'number' && phi.matchesNumber(value)) remove();
        continue;
      }
      if (typeof value !== 'string') continue;
      switch (kind) {
        case 'display':
        case 'check':
        case 'check-context': {
          // A display can only be vouched for against the identity of the patient it is about.
          if (kind === 'display' && !phi.knowsPatient) {
            remove();
            break;
          }
          const verdicts = kind === 'check-context' ? contextOnly : withPatterns;
          let bad = verdicts.get(value);
          if (bad === undefined) {
            bad = carriesPhi(value, phi, kind !== 'check-context');
            verdicts.set(value, bad);
          }
          if (bad) remove();
          break;
        }
        case 'scrub':
          replace(scrubFreeText(value, phi).text);
          break;
        case 'scrub-div':
          replace(textToXhtml(scrubFreeText(xhtmlToText(value), phi).text));
          break;
        case 'scrub-attachment': {
          const text = new TextDecoder().decode(Buffer.from(value, 'base64'));
          replace(Buffer.from(scrubFreeText(text, phi).text, 'utf8').toString('base64'));
          break;
        }
      }
    }
    this.holders.length = 0;
    this.keys.length = 0;
    this.kinds.length = 0;
    this.paths.length = 0;
    this.records.length = 0;
  }
}
