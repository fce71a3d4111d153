import { describe, expect, it } from 'vitest';
import { attachmentElementPolicies } from '../../../../shared/core/deid/policies/attachment.js';
import { DROP, keep, withheldUnlessScrubRule } from '../../../../shared/core/deid/policies/policy.js';
import { harness, inputFor, policyOf } from './support.js';

const data = policyOf(attachmentElementPolicies, 'data');
const title = policyOf(attachmentElementPolicies, 'title');
const NOTE = Buffer.from('Seen by Dr. Smith').toString('base64');

describe('Attachment data', () => {
  it('is scrubbed later when it is text and free text is scrubbed', () => {
    const h = harness();
    const siblings = { contentType: 'Text/Plain; charset=utf-8' };
    const input = inputFor(h, 'Attachment', 'data', NOTE, { siblings, modes: { text: 'scrub' } });
    expect(data(input, h.services)).toEqual(keep(NOTE, 'scrub-attachment'));
    const underRule = inputFor(h, 'Attachment', 'data', NOTE, { siblings, modes: { scrubAll: true } });
    expect(data(underRule, h.services)).toEqual(keep(NOTE, 'scrub-attachment'));
    expect(h.counts).toEqual([]);
  });

  it('goes when it is not text, or free text is dropped', () => {
    const h = harness();
    const image = inputFor(h, 'Attachment', 'data', NOTE, {
      siblings: { contentType: 'image/png' },
      modes: { text: 'scrub' },
    });
    expect(data(image, h.services)).toBe(DROP);
    const text = inputFor(h, 'Attachment', 'data', NOTE, { siblings: { contentType: 'text/plain' } });
    expect(data(text, h.services)).toBe(DROP);
    expect(h.counts).toEqual(['backstop-drop:Attachment.data', 'backstop-drop:Attachment.data']);
  });
});

describe('Attachment file details', () => {
  it('drops the hash, size and URL', () => {
    const h = harness();
    for (const name of ['hash', 'size', 'url']) {
      expect(
        policyOf(attachmentElementPolicies, name)(inputFor(h, 'Attachment', name, 'x'), h.services),
      ).toBe(DROP);
    }
    expect(h.counts).toHaveLength(3);
  });

  it('drops the title (a file name) unless a scrub rule covers it', () => {
    expect(title).toBe(withheldUnlessScrubRule);
  });
});
