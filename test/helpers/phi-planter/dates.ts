const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

export const DAY_MS = 86_400_000;

export const isoDate = (date: Date): string => date.toISOString().slice(0, 10);

/** Engines that generalise dates may write YYYY-01-01 or YYYY-07-01; canary dates never fall there. */
export const avoidGeneralisedDays = (date: Date): Date =>
  /-(01|07)-01$/.test(isoDate(date)) ? new Date(date.getTime() + DAY_MS) : date;

/** Renderings of one date the way people write it in notes; the leak check searches for all of them. */
export function dateRenderings(iso: string): string[] {
  const [y = '', m = '', d = ''] = iso.split('-');
  const month = MONTHS[Number(m) - 1] ?? '';
  const mon = month.slice(0, 3);
  const dn = String(Number(d));
  const mn = String(Number(m));
  return [
    iso,
    `${y}/${m}/${d}`,
    `${y}${m}${d}`,
    `${m}/${d}/${y}`,
    `${mn}/${dn}/${y}`,
    `${m}-${d}-${y}`,
    `${d}.${m}.${y}`,
    `${month} ${dn}, ${y}`,
    `${mon} ${dn}, ${y}`,
    `${mon}. ${dn}, ${y}`,
    `${dn} ${month} ${y}`,
    `${dn} ${mon} ${y}`,
    `${month} ${dn}th, ${y}`,
    `${mn}/${dn}/${y.slice(2)}`,
  ];
}

/** The renderings the planter writes into free text. */
export const fmt = {
  long: (iso: string) => dateRenderings(iso)[7] ?? iso,
  us: (iso: string) => dateRenderings(iso)[3] ?? iso,
  dayMon: (iso: string) => dateRenderings(iso)[11] ?? iso,
  compact: (iso: string) => dateRenderings(iso)[2] ?? iso,
  monAbbrev: (iso: string) => dateRenderings(iso)[9] ?? iso,
};
