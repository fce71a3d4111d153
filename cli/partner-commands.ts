import type { Command } from 'commander';
import { DEFAULT_PARTNER_SCOPES } from '../shared/core/auth/scopes.js';
import type { Config } from '../shared/runtime/config.js';
import { CliError } from './cli-error.js';
import type { CliContext } from './core-commands.js';
import { operatorContextOf, operatorIdOf, requireTicket, withTicketOptions } from './ticket.js';

/**
 * `phi partner …`: the partner registry as a governance record (docs/partners.md). As everywhere in the
 * CLI, each action imports what it runs, so building the program stays light.
 */

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const TIERS = ['low', 'moderate', 'high'] as const;
const BAA_STATES = ['active', 'pending', 'terminated'] as const;
const ROUTES = ['bundles', 'claims', 'uploads', 'status', 'errors', 'acknowledgement'] as const;

const day = (value: string | undefined, flag: string): string | undefined => {
  if (value === undefined) return undefined;
  if (!DAY.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new CliError(`${flag} must be a date YYYY-MM-DD`, 2);
  }
  return value;
};

const oneOf = <T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  flag: string,
): T | undefined => {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw new CliError(`${flag} must be one of ${allowed.join(', ')}`, 2);
  return value as T;
};

const words = (value: string | undefined): string[] | undefined =>
  value === undefined ? undefined : value.split(/[\s,]+/).filter(Boolean);

/** `7d`, `12h`, `30m`, `90s` or `0`: the overlap of a key rotation, in milliseconds. */
export function parseDuration(value: string, flag: string): number {
  const match = /^(\d{1,6})([dhms]?)$/.exec(value);
  if (!match) throw new CliError(`${flag} must be a duration such as 7d, 12h, 30m, 90s or 0`, 2);
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, '': 1000 }[
    match[2] as 'd' | 'h' | 'm' | 's' | ''
  ];
  return Number(match[1]) * unit;
}

const wholeDays = (value: string | undefined, flag: string): number | undefined => {
  if (value === undefined) return undefined;
  if (!/^\d{1,5}$/.test(value) || Number(value) === 0)
    throw new CliError(`${flag} must be a whole number of days`, 2);
  return Number(value);
};

/** `--ticket` where it is optional (`add`, `set`): checked when given, `none` in the chain when not. */
const optionalTicket = (ticket: string | undefined, verb: string): string =>
  ticket === undefined ? 'none' : requireTicket(ticket, verb);

const OPTIONAL_TICKET_HELP =
  'change or incident reference recorded in the audit chain (optional here; "none" when absent)';

async function registryDeps(config: Config) {
  const { preparedDeps } = await import('./prepared-deps.js');
  return preparedDeps(config);
}

interface GovernanceFlags {
  baaStatus?: string;
  baaSigned?: string;
  baaExpires?: string;
  reviewDue?: string;
  tier?: string;
  owner?: string;
  allowIp?: string;
  routes?: string;
}

function governanceOf(opts: GovernanceFlags) {
  const routes = words(opts.routes);
  for (const route of routes ?? []) oneOf(route, ROUTES, '--routes');
  if (opts.owner !== undefined && !/^[\p{L}\p{N} .,'@_:+-]{1,128}$/u.test(opts.owner)) {
    throw new CliError("--owner must be 1-128 letters, digits, spaces and . , ' @ _ + -", 2);
  }
  return {
    baaStatus: oneOf(opts.baaStatus, BAA_STATES, '--baa-status'),
    baaSignedAt: day(opts.baaSigned, '--baa-signed'),
    baaExpiresAt: day(opts.baaExpires, '--baa-expires'),
    nextReviewDue: day(opts.reviewDue, '--review-due'),
    riskTier: oneOf(opts.tier, TIERS, '--tier'),
    owner: opts.owner,
    sourceCidrs: words(opts.allowIp),
    routes: routes as (typeof ROUTES)[number][] | undefined,
  };
}

const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

const withGovernanceFlags = (command: Command): Command =>
  command
    .option('--baa-status <status>', `BAA status: ${BAA_STATES.join(', ')}`)
    .option('--baa-signed <date>', 'BAA signature date, YYYY-MM-DD')
    .option('--baa-expires <date>', 'last day the BAA holds, YYYY-MM-DD')
    .option('--review-due <date>', 'next governance review, YYYY-MM-DD')
    .option('--tier <tier>', `risk tier: ${TIERS.join(', ')}`)
    .option('--owner <person>', 'the accountable person on this side (name or e-mail)')
    .option(
      '--allow-ip <cidrs>',
      'source CIDRs, IPv4 or IPv6, space- or comma-separated ("" lifts the limit)',
    )
    .option('--routes <routes>', `routes the partner may call: ${ROUTES.join(', ')} (default all)`);

export function registerPartnerCommands(program: Command, ctx: CliContext): void {
  const partner = program.command('partner').description('manage partners and their governance record');

  withGovernanceFlags(
    partner
      .command('add')
      .description(
        'register a partner with a new EC P-256 key pair and a governance record; prints the private key path',
      )
      .argument('<id>', 'partner id (a-z, 0-9, -)')
      .option('--scopes <scopes>', 'space-separated scopes', DEFAULT_PARTNER_SCOPES.join(' '))
      .option('--key-days <days>', 'lifetime of the key in days (default 365)')
      .option('--ticket <ref>', OPTIONAL_TICKET_HELP)
      .option('--operator <id>', 'operator identity for the audit log (default: user@host)'),
  ).action(
    async (
      id: string,
      opts: GovernanceFlags & { scopes: string; keyDays?: string; ticket?: string; operator?: string },
    ) => {
      const scopes = opts.scopes.split(/\s+/).filter(Boolean);
      if (scopes.length === 0) throw new CliError('--scopes needs at least one scope', 2);
      const g = governanceOf(opts);
      const keyDays = wholeDays(opts.keyDays, '--key-days');
      const operator = operatorIdOf(opts.operator);
      const who = { operator, ticket: optionalTicket(opts.ticket, 'phi partner add') };
      const config = ctx.config();
      const [deps, { addPartner }] = await Promise.all([
        registryDeps(config),
        import('../local/partner-keys.js'),
      ]);
      const now = deps.clock.now();
      const baa =
        g.baaExpiresAt === undefined && g.baaSignedAt === undefined && g.baaStatus === undefined
          ? undefined
          : {
              status: g.baaStatus ?? 'active',
              signedAt: g.baaSignedAt ?? now.toISOString().slice(0, 10),
              expiresAt:
                g.baaExpiresAt ?? new Date(now.getTime() + 365 * 86_400_000).toISOString().slice(0, 10),
            };
      const { auditedPartnerAdd } = await import('../shared/app/partner-governance-admin.js');
      let keyPath = '';
      await auditedPartnerAdd(deps, who, id, async () => {
        ({ privateKeyPath: keyPath } = await addPartner(
          config.home,
          deps.partners,
          deps.clock,
          id,
          scopes,
          defined({
            baa,
            nextReviewDue: g.nextReviewDue,
            riskTier: g.riskTier,
            owner: g.owner ?? operator,
            sourceCidrs: g.sourceCidrs,
            routes: g.routes,
            keyDays,
          }),
        ));
      });
      process.stdout.write(`${keyPath}\n`);
    },
  );

  partner
    .command('list')
    .description(
      'every partner with its BAA, tier, owner and review date; flags overdue reviews and BAAs or keys expiring soon',
    )
    .option('--within <days>', 'how far ahead "expiring" looks, in days', '30')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { within: string; json?: boolean }) => {
      const within = wholeDays(opts.within, '--within') ?? 30;
      const deps = await registryDeps(ctx.config());
      const { reviewFlags, usableKeys } = await import('../shared/app/partner-governance.js');
      const now = deps.clock.now();
      for (const p of await deps.partners.list()) {
        const flags = reviewFlags(p, now, within);
        const row = {
          id: p.id,
          status: p.status,
          baa: p.baa === undefined ? 'none' : `${p.baa.status} until ${p.baa.expiresAt}`,
          tier: p.riskTier ?? '-',
          owner: p.owner ?? '-',
          reviewDue: p.nextReviewDue ?? '-',
          usableKeys: usableKeys(p, now).length,
          flags,
        };
        process.stdout.write(
          opts.json
            ? `${JSON.stringify(row)}\n`
            : `${row.id}  ${row.status}  baa=${row.baa}  tier=${row.tier}  owner=${row.owner}  review=${row.reviewDue}  keys=${row.usableKeys}${flags.length ? `  ! ${flags.join(' ')}` : ''}\n`,
        );
      }
    });

  partner
    .command('show')
    .description('one partner record: governance fields, and keys by kid, algorithm and validity window')
    .argument('<id>', 'partner id')
    .action(async (id: string) => {
      const deps = await registryDeps(ctx.config());
      const record = await deps.partners.get(id);
      if (record === undefined) throw new CliError(`partner ${id} is not registered`);
      const { keyUsable, reviewFlags } = await import('../shared/app/partner-governance.js');
      const now = deps.clock.now();
      const shown = {
        ...record,
        keys: record.keys.map((k) => ({
          kid: k.kid,
          alg: k.alg,
          ...(k.notBefore ? { notBefore: k.notBefore } : {}),
          ...(k.notAfter ? { notAfter: k.notAfter } : {}),
          ...(k.revokedAt ? { revokedAt: k.revokedAt } : {}),
          verifiesNow: keyUsable(k, now),
        })),
        flags: reviewFlags(record, now),
      };
      process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    });

  const revoke = partner
    .command('revoke')
    .description(
      'revoke a partner (refused everywhere from the next request) or, with --kid, one of its keys; audited',
    )
    .argument('<id>', 'partner id')
    .option('--kid <kid>', 'revoke only this key');
  withTicketOptions(revoke).action(
    async (id: string, opts: { kid?: string; ticket?: string; operator?: string }) => {
      const who = operatorContextOf(opts, 'phi partner revoke');
      const deps = await registryDeps(ctx.config());
      const { revokePartner } = await import('../shared/app/partner-governance-admin.js');
      const done = await revokePartner(deps, who, id, opts.kid);
      process.stdout.write(`${id}${opts.kid ? ` key ${opts.kid}` : ''} revoked at ${done.revokedAt}\n`);
    },
  );

  const rotate = partner
    .command('rotate-key')
    .description(
      'add a new key (generated, or a public JWK file); the current keys keep verifying for --overlap, then stop; audited',
    )
    .argument('<id>', 'partner id')
    .option('--overlap <duration>', 'how long the current keys keep verifying: 7d, 12h, 30m, 0', '7d')
    .option('--jwk <file>', "the partner's new public JWK (default: generate a key pair in PHI_HOME)")
    .option('--key-days <days>', 'lifetime of the new key in days (default 365)');
  withTicketOptions(rotate).action(
    async (
      id: string,
      opts: { overlap: string; jwk?: string; keyDays?: string; ticket?: string; operator?: string },
    ) => {
      const who = operatorContextOf(opts, 'phi partner rotate-key');
      const overlapMs = parseDuration(opts.overlap, '--overlap');
      const lifetimeMs = (wholeDays(opts.keyDays, '--key-days') ?? 365) * 86_400_000;
      const config = ctx.config();
      const deps = await registryDeps(config);
      const [{ rotatePartnerKey }, keys] = await Promise.all([
        import('../shared/app/partner-governance-admin.js'),
        import('../local/partner-keys.js'),
      ]);
      const generated = opts.jwk === undefined ? await keys.newPartnerKeyPair() : undefined;
      const publicJwk = generated?.publicJwk ?? (await keys.readPublicJwkFile(opts.jwk ?? ''));
      const done = await rotatePartnerKey(deps, who, id, { key: publicJwk, overlapMs, lifetimeMs });
      process.stdout.write(`${id}: new key ${done.kid}; previous keys verify until ${done.oldKeysUntil}\n`);
      if (generated !== undefined) {
        const files = await keys.installRotatedPrivateKey(config.home, id, generated.privateJwk);
        process.stdout.write(`${files.privateKeyPath}\n`);
        if (files.previousKeyPath) process.stdout.write(`previous private key: ${files.previousKeyPath}\n`);
      }
    },
  );

  withGovernanceFlags(
    partner
      .command('set')
      .description(
        'change governance fields: BAA, review date, tier, owner, IP allow-list, routes, scopes; audited',
      )
      .argument('<id>', 'partner id')
      .option('--scopes <scopes>', 'space-separated scopes')
      .option('--ticket <ref>', OPTIONAL_TICKET_HELP)
      .option('--operator <id>', 'operator identity for the audit log (default: user@host)'),
  ).action(
    async (id: string, opts: GovernanceFlags & { scopes?: string; ticket?: string; operator?: string }) => {
      const who = {
        ticket: optionalTicket(opts.ticket, 'phi partner set'),
        operator: operatorIdOf(opts.operator),
      };
      const changes = defined({ ...governanceOf(opts), scopes: words(opts.scopes) });
      if (Object.keys(changes).length === 0)
        throw new CliError('phi partner set needs at least one field to change', 2);
      const deps = await registryDeps(ctx.config());
      const { setPartnerGovernance } = await import('../shared/app/partner-governance-admin.js');
      await setPartnerGovernance(deps, who, id, changes);
      process.stdout.write(`${id}: updated ${Object.keys(changes).sort().join(', ')}\n`);
    },
  );
}
