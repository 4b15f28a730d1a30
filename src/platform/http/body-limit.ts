/** The largest request body any route takes. */
export const BODY_LIMIT = 64 * 1024;
