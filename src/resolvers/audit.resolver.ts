/** Audit trail and node lookup resolvers (R-SEC-5). */
export const auditResolvers: Function[] = [];
