import { writeGroupHeader, writeIsa, writeSetHeader, writeSetTrailer } from './envelope.js';
import { HlCounter, writeBillingProvider, writeSubscriber } from './hierarchy.js';
import { X12_REFERENCE_DATE, X12Planter } from './planter.js';
import { SegmentWriter } from './segments.js';
import { DEFAULT_SEPARATORS, pickSeparators } from './separators.js';
import type { GeneratedX12, GenerateX12Options, X12ClaimKind, X12Separators } from './types.js';

const versionFor = (kind: X12ClaimKind, p: X12Planter): string =>
  kind === '837P' ? '005010X222A1' : p.pick(['005010X223A2', '005010X223A3']);

/**
 * One valid 005010 837P or 837I interchange, the same for the same seed: one functional group of one
 * or two transaction sets, each with one or two billing providers and their subscribers' claims, and
 * identifying values planted in every place the guide has for them.
 */
export function generateX12(
  kind: X12ClaimKind,
  seed: number,
  options: GenerateX12Options = {},
): GeneratedX12 {
  const p = new X12Planter(seed);
  const separators = options.separators ?? pickSeparators(p.rng);
  const version = options.version ?? versionFor(kind, p);
  const w = new SegmentWriter(separators);
  const control = String(p.int(1, 999_999_999)).padStart(9, '0');
  const group = String(p.int(1, 99_999));

  writeIsa(w, p, control);
  writeGroupHeader(w, group, version);
  const sets = p.chance(0.25) ? 2 : 1;
  let claims = 0;
  for (let s = 0; s < sets; s++) {
    const set = String(p.int(1, 9_999)).padStart(4, '0') + String(s);
    writeSetHeader(w, kind, set, version);
    const hl = new HlCounter();
    const providers = p.chance(0.2) ? 2 : 1;
    for (let b = 0; b < providers; b++) {
      const parent = writeBillingProvider(w, p, hl);
      const subscribers = options.subscribers ?? p.int(1, 3);
      for (let i = 0; i < subscribers; i++) {
        claims += writeSubscriber(w, p, kind, hl, parent, options.homeContact !== false);
      }
    }
    writeSetTrailer(w, set);
  }
  w.seg('GE', String(sets), group);
  w.seg('IEA', '1', control);
  return {
    kind,
    seed,
    version,
    bytes: w.take(),
    separators,
    controlNumber: control,
    claims,
    planted: p.planted,
    kept: p.kept,
    unplanted: p.unplanted,
    referenceDate: X12_REFERENCE_DATE,
  };
}

export interface GenerateLargeOptions {
  readonly kind?: X12ClaimKind;
  readonly separators?: X12Separators;
  /** Claims per transaction set before a new ST opens; 5,000 by default. */
  readonly claimsPerSet?: number;
  /** Roughly how large each yielded chunk is; 64 KiB by default. */
  readonly chunkBytes?: number;
}

/**
 * One interchange of at least `targetBytes` characters (ASCII, so bytes), yielded in chunks so a
 * 100 MB bench file never sits in memory. Nothing planted is recorded; the claims are those
 * `generateX12` writes. Subscribers are grouped 500 to a billing provider.
 */
export function* generateLarge(
  targetBytes: number,
  seed: number,
  options: GenerateLargeOptions = {},
): Generator<string, void, undefined> {
  const kind = options.kind ?? '837P';
  const claimsPerSet = options.claimsPerSet ?? 5_000;
  const chunkBytes = options.chunkBytes ?? 65_536;
  const p = new X12Planter(seed, false);
  const w = new SegmentWriter(options.separators ?? DEFAULT_SEPARATORS);
  const version = versionFor(kind, p);
  const control = String(p.int(1, 999_999_999)).padStart(9, '0');
  const group = '1';

  writeIsa(w, p, control);
  writeGroupHeader(w, group, version);
  let written = 0;
  let pending: string[] = [];
  let pendingBytes = 0;
  const flush = function* (force: boolean) {
    const text = w.take();
    pending.push(text);
    pendingBytes += text.length;
    written += text.length;
    if (force || pendingBytes >= chunkBytes) {
      yield pending.join('');
      pending = [];
      pendingBytes = 0;
    }
  };

  let sets = 0;
  while (written < targetBytes || sets === 0) {
    sets++;
    const set = String(sets).padStart(4, '0');
    writeSetHeader(w, kind, set, version);
    const hl = new HlCounter();
    let claims = 0;
    let parent = 0;
    let subscribers = 0;
    while (claims < claimsPerSet && (written < targetBytes || claims === 0)) {
      if (subscribers % 500 === 0) parent = writeBillingProvider(w, p, hl);
      claims += writeSubscriber(w, p, kind, hl, parent);
      subscribers++;
      // Canaries are unique per subscriber's batch; forgetting keeps memory flat over millions.
      if (subscribers % 50 === 0) p.forget();
      yield* flush(false);
    }
    writeSetTrailer(w, set);
  }
  w.seg('GE', String(sets), group);
  w.seg('IEA', '1', control);
  yield* flush(true);
}

/** `generateLarge` as bytes (ASCII, so one byte per character), for readers that take Uint8Array chunks. */
export function* generateLargeBytes(
  targetBytes: number,
  seed: number,
  options: GenerateLargeOptions = {},
): Generator<Uint8Array, void, undefined> {
  const encoder = new TextEncoder();
  for (const chunk of generateLarge(targetBytes, seed, options)) yield encoder.encode(chunk);
}
