/** Who is calling, as proven by the bearer token. */
export interface Principal {
  readonly userId: string;
  readonly roles: readonly string[];
  /**
   * The token says `tier: "premium"`: a claim, not a fact. It is confirmed against the
   * subscription before anything premium is served (a cancelled subscription stops it at once).
   */
  readonly claimsPremium?: boolean;
}

export const PREMIUM_TIER = 'premium';

export const USER_ID_PATTERN = /^[A-Za-z0-9._:@-]{1,64}$/;

export const ADMIN_ROLE = 'admin';
