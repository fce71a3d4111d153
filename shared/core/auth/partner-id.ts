/** Partner ids: lower-case letters, digits and dashes; they appear in object keys and audit records. */
export const PARTNER_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
