export const TOKEN_KINDS = ['personal', 'service'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

export const ACCOUNT_KINDS = ['human', 'service'] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];
