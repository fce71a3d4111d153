/**
 * The built-in profile names, apart from the contract schema so `phi deid --help` can list them
 * without loading zod and the compiler (start-up, issue 11).
 */
export const PROFILES = ['safe-harbor', 'limited-data-set'] as const;
export type ProfileName = (typeof PROFILES)[number];
