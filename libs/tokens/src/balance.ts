export interface Balance {
  readonly userId: string;
  readonly purchased: number;
  /** Tokens spent, net of refunds. */
  readonly used: number;
  readonly remaining: number;
}

/** From the ledger's totals: everything ever purchased, charged and refunded. */
export function balanceOf(userId: string, purchased: number, charged: number, refunded: number): Balance {
  const used = charged - refunded;
  return { userId, purchased, used, remaining: purchased - used };
}
