/** The fields a list can be sorted by, as the API and the console spell them. */
export const TOKEN_SORTS = ['name', 'created_at', 'expires_at', 'last_used_at'] as const;
export type TokenSort = (typeof TOKEN_SORTS)[number];

export const ACCOUNT_SORTS = ['name', 'created_at', 'last_active_at', 'role'] as const;
export type AccountSort = (typeof ACCOUNT_SORTS)[number];
