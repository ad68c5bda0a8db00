/** Who is calling, as proven by the bearer token. */
export interface Principal {
  readonly userId: string;
  readonly roles: readonly string[];
}

export const USER_ID_PATTERN = /^[A-Za-z0-9._:@-]{1,64}$/;

export const ADMIN_ROLE = 'admin';
