import { carriesPhi, type PhiContext, scrubFreeText, textToXhtml, xhtmlToText } from './scrubber.js';
import type { DeferKind, Frame, Json } from './walk-support.js';

export interface PostPassHooks {
  /** A kept value was removed because it carries the record's PHI. */
  removed(fr: Frame, path: string): void;
  /** A free-text value was replaced by its scrubbed text. */
  scrubbed(fr: Frame, path: string): void;
}

/**
 * Values the walk kept but could only judge once the whole record had been seen: human-readable
 * strings to check against the record's own identifiers, free text to scrub. Stored as parallel
 * arrays (one push per value, no object per value: a large Bundle has tens of thousands).
 */
export class PostPass {
  private readonly holders: (Json | unknown[])[] = [];
  private readonly keys: (string | number)[] = [];
  private readonly kinds: DeferKind[] = [];
  private readonly paths: string[] = [];
  private readonly frames: Frame[] = [];

  add(holder: Json | unknown[], key: string | number, kind: DeferKind, path: string, fr: Frame): void {
    this.holders.push(holder);
    this.keys.push(key);
    this.kinds.push(kind);
    this.paths.push(path);
    this.frames.push(fr);
  }

  run(phi: PhiContext, hooks: PostPassHooks): void {
    const withPatterns = new Map<string, boolean>();
    const contextOnly = new Map<string, boolean>();
    for (let i = 0; i < this.kinds.length; i++) {
      const holder = this.holders[i] as Record<string | number, unknown>;
      const key = this.keys[i] ?? '';
      const fr = this.frames[i];
      const path = this.paths[i] ?? '';
      const value = holder[key];
      const kind = this.kinds[i];
      if (fr === undefined) continue;
      const remove = () => {
        if (Array.isArray(holder)) holder[key as number] = null;
        else delete holder[key];
        fr.sc.dirty = true;
        hooks.removed(fr, path);
      };
      const replace = (text: string) => {
        holder[key] = text;
        hooks.scrubbed(fr, path);
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
    this.frames.length = 0;
  }
}
