/** Catalog resolvers. */
export const catalogResolvers: Function[] = [];
