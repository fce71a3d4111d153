import { fmt } from './stats.js';

/** One measured figure of the report, with the floor measured beside it in the same run on the same bytes. */
export interface BenchRow {
  /** Report section: `stages`, `stack`, `deid`, `x12`, `startup`. */
  readonly section: string;
  readonly stage: string;
  readonly format: 'fhir' | 'x12' | '-';
  /** Input size label (`10 KB`, `1 MB`, `100 MB`) and bytes of one input. */
  readonly size: string;
  readonly inputBytes: number;
  /** Inputs timed (submissions, files, messages). */
  readonly items: number;
  readonly perSec?: number;
  readonly mbPerSec?: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly peakRssMiB?: number;
  readonly kmsPer1000?: number;
  /** What the floor is and its throughput in the same unit as `perSec`. */
  readonly floor?: { readonly what: string; readonly perSec: number };
  /** perSec ÷ floor.perSec. */
  readonly ratio?: number;
  /** The issue's target for this row: a minimum ratio, or a maximum of `metric`. */
  readonly target?: { readonly text: string; readonly met: boolean };
  readonly note?: string;
  /** Set instead of figures when the row could not be measured, with the reason. */
  readonly notMeasured?: string;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly conditions: Record<string, string | number | boolean>;
  readonly rows: BenchRow[];
  readonly notes: Record<string, string[]>;
}

export const SECTION_TITLES: Record<string, string> = {
  stack: 'Running stack (phi start, workers on): accepted and end to end',
  stages: 'Stages, one core, in process',
  deid: '`phi deid` (parse, de-identify, release gate, serialize) beside parse + serialize',
  startup: 'Start-up and Lambda init',
  x12: 'X12 837 readers beside the split floor and other parsers',
};

const cell = (n: number | undefined, digits = 1): string => (n === undefined ? '' : fmt(n, digits));

export function markdown(report: BenchReport): string {
  const out: string[] = ['# phi-pipeline bench', ''];
  out.push('| condition | value |', '|---|---|');
  for (const [k, v] of Object.entries(report.conditions)) out.push(`| ${k} | ${String(v)} |`);
  out.push('');
  const sections = [...new Set([...report.rows.map((r) => r.section), ...Object.keys(report.notes)])];
  for (const section of sections) {
    out.push(`## ${SECTION_TITLES[section] ?? section}`, '');
    const rows = report.rows.filter((r) => r.section === section);
    if (rows.length > 0) {
      out.push(
        '| stage | format | size | n | per s | MB/s | p50 ms | p99 ms | peak RSS MiB | KMS / 1,000 objects | floor (same run, same bytes) | floor per s | ratio | target |',
        '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|',
      );
      for (const r of rows) {
        if (r.notMeasured !== undefined) {
          out.push(
            `| ${r.stage} | ${r.format} | ${r.size} | | not measured: ${r.notMeasured} | | | | | | | | | |`,
          );
          continue;
        }
        const target =
          r.target === undefined ? '' : `${r.target.met ? 'met' : '**not met**'}: ${r.target.text}`;
        out.push(
          `| ${r.stage} | ${r.format} | ${r.size} | ${r.items} | ${cell(r.perSec)} | ${cell(r.mbPerSec)} | ${cell(r.p50Ms)} | ${cell(r.p99Ms)} | ${cell(r.peakRssMiB, 0)} | ${cell(r.kmsPer1000, 1)} | ${r.floor?.what ?? ''} | ${cell(r.floor?.perSec)} | ${cell(r.ratio, 2)} | ${target} |`,
        );
      }
      const notes = rows
        .filter((r) => r.note !== undefined)
        .map((r) => `- ${r.stage}, ${r.format}, ${r.size}: ${r.note}`);
      if (notes.length > 0) out.push('', ...notes);
      out.push('');
    }
    for (const line of report.notes[section] ?? []) out.push(line);
    if ((report.notes[section] ?? []).length > 0) out.push('');
  }
  return `${out.join('\n')}\n`;
}

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
];

/**
 * Throughput (MB/s, log scale) against input size (log scale): one line per stage and format, dashed
 * for its floor. Hand-written SVG, no plotting dependency.
 */
export function throughputSvg(report: BenchReport): string {
  const rows = report.rows.filter(
    (r) => r.notMeasured === undefined && r.mbPerSec !== undefined && r.mbPerSec > 0 && r.inputBytes > 0,
  );
  const series = new Map<string, BenchRow[]>();
  for (const r of rows) {
    const key = `${r.stage} (${r.format})`;
    series.set(key, [...(series.get(key) ?? []), r]);
  }
  const W = 900;
  const H = 520;
  const left = 70;
  const right = 260;
  const top = 40;
  const bottom = 60;
  const xs = rows.map((r) => Math.log10(r.inputBytes));
  const ys = rows.flatMap((r) => {
    const floorMb = r.floor === undefined ? undefined : (r.floor.perSec * r.inputBytes) / 1e6;
    return [
      Math.log10(r.mbPerSec as number),
      ...(floorMb === undefined || floorMb <= 0 ? [] : [Math.log10(floorMb)]),
    ];
  });
  const [x0, x1] = [Math.floor(Math.min(4, ...xs)), Math.ceil(Math.max(8, ...xs))];
  const [y0, y1] = [Math.floor(Math.min(0, ...ys)), Math.ceil(Math.max(2, ...ys))];
  const px = (v: number) => left + ((v - x0) / (x1 - x0)) * (W - left - right);
  const py = (v: number) => H - bottom - ((v - y0) / (y1 - y0)) * (H - top - bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${left}" y="22" font-size="15">Throughput against input size (solid: measured, dashed: floor in the same run)</text>`,
  ];
  for (let e = x0; e <= x1; e++) {
    const label = e < 6 ? `${10 ** (e - 3)} KB` : `${10 ** (e - 6)} MB`;
    parts.push(
      `<line x1="${px(e)}" y1="${top}" x2="${px(e)}" y2="${H - bottom}" stroke="#eee"/>`,
      `<text x="${px(e)}" y="${H - bottom + 18}" text-anchor="middle">${label}</text>`,
    );
  }
  for (let e = y0; e <= y1; e++) {
    parts.push(
      `<line x1="${left}" y1="${py(e)}" x2="${W - right}" y2="${py(e)}" stroke="#eee"/>`,
      `<text x="${left - 6}" y="${py(e) + 4}" text-anchor="end">${10 ** e}</text>`,
    );
  }
  parts.push(
    `<text x="${(left + W - right) / 2}" y="${H - 15}" text-anchor="middle">input size (bytes, log)</text>`,
    `<text x="18" y="${(top + H - bottom) / 2}" transform="rotate(-90 18 ${(top + H - bottom) / 2})" text-anchor="middle">MB/s (log)</text>`,
  );
  let i = 0;
  for (const [name, points] of series) {
    const color = PALETTE[i % PALETTE.length];
    const sorted = [...points].sort((a, b) => a.inputBytes - b.inputBytes);
    const line = sorted.map(
      (r) => `${px(Math.log10(r.inputBytes)).toFixed(1)},${py(Math.log10(r.mbPerSec as number)).toFixed(1)}`,
    );
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${line.join(' ')}"/>`);
    for (const r of sorted) {
      parts.push(
        `<circle cx="${px(Math.log10(r.inputBytes)).toFixed(1)}" cy="${py(Math.log10(r.mbPerSec as number)).toFixed(1)}" r="3" fill="${color}"><title>${escapeXml(`${name} ${r.size}: ${fmt(r.mbPerSec as number)} MB/s`)}</title></circle>`,
      );
    }
    const floors = sorted.filter((r) => r.floor !== undefined && r.floor.perSec > 0);
    if (floors.length > 0) {
      const fl = floors.map(
        (r) =>
          `${px(Math.log10(r.inputBytes)).toFixed(1)},${py(Math.log10(((r.floor?.perSec ?? 0) * r.inputBytes) / 1e6)).toFixed(1)}`,
      );
      parts.push(
        `<polyline fill="none" stroke="${color}" stroke-width="1" stroke-dasharray="4 3" points="${fl.join(' ')}"/>`,
      );
    }
    const ly = top + 14 * i;
    parts.push(
      `<line x1="${W - right + 12}" y1="${ly}" x2="${W - right + 32}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${W - right + 38}" y="${ly + 4}">${escapeXml(name)}</text>`,
    );
    i++;
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
