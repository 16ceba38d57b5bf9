/** Roster resolvers. */
export const rosterResolvers: Function[] = [];
