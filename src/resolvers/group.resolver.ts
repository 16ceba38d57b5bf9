/** Group resolvers. */
export const groupResolvers: Function[] = [];
