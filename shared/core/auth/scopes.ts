/**
 * SMART scopes, v1 (`system/Bundle.write`) and v2 (`system/Bundle.c`) forms. A scope grants a set of
 * interactions on a resource type; routes ask for one interaction on one type.
 */
export type Interaction = 'c' | 'r' | 'u' | 'd' | 's';

const V1: Record<string, readonly Interaction[]> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': ['c', 'r', 'u', 'd', 's'],
};

const SCOPE = /^system\/([A-Za-z]+|\*)\.([a-z*]+)$/;

export interface ParsedScope {
  readonly resource: string;
  readonly interactions: ReadonlySet<Interaction>;
}

export function parseScope(scope: string): ParsedScope | undefined {
  const m = SCOPE.exec(scope);
  if (!m?.[1] || !m[2]) return undefined;
  const v1 = V1[m[2]];
  if (v1) return { resource: m[1], interactions: new Set(v1) };
  // v2: an ordered subset of "cruds"
  if (!/^c?r?u?d?s?$/.test(m[2])) return undefined;
  return { resource: m[1], interactions: new Set(m[2].split('') as Interaction[]) };
}

/** True when `granted` (one scope) covers every interaction that `wanted` asks for. */
function covers(granted: ParsedScope, wanted: ParsedScope): boolean {
  if (granted.resource !== '*' && granted.resource !== wanted.resource) return false;
  for (const i of wanted.interactions) if (!granted.interactions.has(i)) return false;
  return true;
}

/**
 * The scopes to grant: each requested scope that the registration covers. Never wider than the
 * registration, and narrowed silently as SMART allows.
 */
export function grantScopes(requested: readonly string[], registered: readonly string[]): string[] {
  const reg = registered.map(parseScope).filter((s): s is ParsedScope => s !== undefined);
  const granted: string[] = [];
  for (const scope of requested) {
    const wanted = parseScope(scope);
    if (wanted && reg.some((r) => covers(r, wanted)) && !granted.includes(scope)) granted.push(scope);
  }
  return granted;
}

/** True when any of the token's scopes allows `interaction` on `resource`. */
export function scopeAllows(
  tokenScopes: readonly string[],
  resource: string,
  interaction: Interaction,
): boolean {
  const wanted: ParsedScope = { resource, interactions: new Set([interaction]) };
  return tokenScopes.some((s) => {
    const parsed = parseScope(s);
    return parsed !== undefined && covers(parsed, wanted);
  });
}

export const DEFAULT_PARTNER_SCOPES = ['system/Bundle.write', 'system/Claim.write'] as const;
