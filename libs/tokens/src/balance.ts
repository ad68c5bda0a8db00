export interface Balance {
  readonly userId: string;
  readonly purchased: number;
  readonly used: number;
  readonly remaining: number;
}

export function balanceOf(userId: string, purchased: number, used: number): Balance {
  return { userId, purchased, used, remaining: purchased - used };
}
