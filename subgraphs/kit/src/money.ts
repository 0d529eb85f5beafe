/** The GraphQL `Money` value, shared by every subgraph that prices something. */
export interface Money {
  amount: string;
  currency: string;
  cents: number;
}

/** Exact decimal string from minor units; every currency we import has two minor digits. */
export function money(cents: number, currency: string): Money {
  const abs = Math.abs(cents);
  const amount = `${cents < 0 ? '-' : ''}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
  return { amount, currency: currency.trim().toUpperCase(), cents };
}
